import { randomUUID } from 'node:crypto';
import { epochSeconds } from '../../clock.ts';
import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget, UnauthorizedClient } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import type { Client } from '../../store/clients.ts';
import type { Resource } from '../../store/resources.ts';
import { type Grant, MAX_DELEGATION_DEPTH } from '../../store/tokens.ts';
import { verifyAccessToken } from '../access-token.ts';
import { TOKEN_EXCHANGE } from '../grant-types.ts';
import { isResourceIdentifier, resolveResource } from '../resources.ts';
import { parseScope, SUPPORTED_SCOPES } from '../scopes.ts';
import { ACCESS_TOKEN_TYPE, accessTokenTarget, mintTokens } from '../token-minting.ts';
import { type GrantContext, type GrantModule, param } from './grant.ts';

/**
 * RFC 8693 token exchange, for delegation: an agent (the actor) gets a token to act for a user (the subject).
 *
 * - `subject_token`: a live access token of this tenant for a user (possibly itself delegated: exchanges nest);
 * - `actor_token` (optional): a live client_credentials token of the acting client; without it the authenticated
 *   client acts. The actor needs a `token_exchange` policy (which scopes, which resources, how long);
 * - the issued token: `sub` = the user, `act: { sub: actor }` with the previous `act` nested inside (§4.1), scopes only
 *   narrowed, never outliving the subject token; its family records the chain, so revoking any link ends it
 *   (store.ts liveDelegation).
 */
async function exchangeToken(ctx: GrantContext) {
  const { req, store, tenant, client, signer } = ctx;
  const form = req.form;
  if (form.subject_token_type !== ACCESS_TOKEN_TYPE)
    throw new InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}: Keyway exchanges its access tokens.`);
  if (form.requested_token_type !== undefined && form.requested_token_type !== ACCESS_TOKEN_TYPE)
    throw new InvalidRequest(`requested_token_type: only ${ACCESS_TOKEN_TYPE} is issued.`);
  if (form.actor_token === undefined && form.actor_token_type !== undefined)
    throw new InvalidRequest('actor_token_type was given without actor_token.');
  if (form.actor_token !== undefined && form.actor_token_type !== ACCESS_TOKEN_TYPE)
    throw new InvalidRequest(`actor_token_type must be ${ACCESS_TOKEN_TYPE} (RFC 8693 §2.1).`);
  if (form.resource !== undefined && form.audience !== undefined && form.resource !== form.audience)
    throw new InvalidTarget('Give resource or audience, not two different targets: each token has one audience.');

  const issuer = issuerOf(req, tenant.id);
  const now = epochSeconds(store.clock);
  const verify = (token: string) => verifyAccessToken(token, { signer, store, issuer, tenantId: tenant.id, now });
  const [subject, actorToken] = await Promise.all([
    verify(param(req, 'subject_token')),
    form.actor_token !== undefined ? verify(form.actor_token) : undefined,
  ]);
  // §2.2.2: an invalid or unacceptable subject or actor token is invalid_request.
  if (!subject) throw new InvalidRequest('The subject_token is not an active access token of this tenant.');
  if (subject.subject !== 'user')
    throw new InvalidRequest(
      "The subject_token must be a user's token; a client acts as itself with client_credentials.",
    );
  let actor: Client = client;
  if (form.actor_token !== undefined) {
    if (!actorToken) throw new InvalidRequest('The actor_token is not an active access token of this tenant.');
    if (actorToken.subject !== 'client')
      throw new InvalidRequest("The actor_token must be a client's own token (client_credentials).");
    actor = actorToken.client;
  }
  const policy = actor.tokenExchange;
  if (!policy) throw new UnauthorizedClient(`The client ${actor.clientId} may not act for users (no token_exchange).`);
  // An actor token is a bearer token its agent shows every API it calls: presenting another client's needs a
  // token_exchange policy of one's own too (a gateway that obtains tokens for its agents), not just the grant type.
  if (actor.clientId !== client.clientId && !client.tokenExchange)
    throw new UnauthorizedClient(`The client ${client.clientId} may not present another client's actor_token.`);
  const parent = subject.grant;
  // A step-up action's answer says whether one action was confirmed; only a passed challenge stands for the user.
  if (parent.action !== undefined && parent.action.state !== 'CHALLENGE_SUCCEEDED')
    throw new InvalidGrant('The subject token answers a step-up action that was not confirmed by the user.');
  const chain = parent.delegation;
  if ((chain?.actors.length ?? 0) >= MAX_DELEGATION_DEPTH)
    throw new InvalidRequest(`A delegation chain is at most ${MAX_DELEGATION_DEPTH} actors deep.`);

  // The audience: the subject token's, or another resource the policy names (RFC 8707 / §2.1 `audience`).
  const subjectAud = typeof subject.claims.aud === 'string' ? subject.claims.aud : undefined;
  const target = form.resource ?? form.audience;
  let resource: Resource | undefined;
  if (target === undefined || target === subjectAud) {
    // Only an audience that could be a registered resource is looked up (a client id or legacy audience is not).
    resource =
      subjectAud !== undefined && isResourceIdentifier(subjectAud)
        ? await store.resources.findByIdentifier(tenant.id, subjectAud)
        : undefined;
  } else {
    if (!policy.resources?.includes(target))
      throw new InvalidTarget(`The client ${actor.clientId} may not get delegated tokens for "${target}".`);
    resource = await resolveResource(store, client, target);
  }
  const aud = resource?.identifier ?? subjectAud;
  if (aud === undefined) throw new InvalidRequest('The subject_token has no single audience.');

  const scope = delegatedScope(
    form.scope,
    subject.claims.scope,
    policy.scopes,
    target === undefined ? undefined : resource,
  );
  // Never outliving the subject token or the actor token: their revocation markers last only until their `exp`.
  const remaining = Math.min(
    (subject.claims.exp ?? now) - now,
    actorToken ? (actorToken.claims.exp ?? now) - now : Number.POSITIVE_INFINITY,
  );
  const ttl = Math.min(
    remaining,
    policy.maxLifetimeSeconds ?? remaining,
    accessTokenTarget(tenant, client, resource).ttl,
  );
  if (ttl <= 0) throw new InvalidRequest('The subject_token or actor_token expires now.');

  const grant: Grant = {
    tenantId: tenant.id,
    grantId: randomUUID(),
    clientId: client.clientId,
    userId: parent.userId,
    scope,
    ...(resource ? { resource: resource.identifier } : {}),
    // The user's sign-in: "signed out everywhere" after it ends this family too.
    authTime: parent.authTime,
    amr: parent.amr,
    ...(parent.acr !== undefined ? { acr: parent.acr } : {}),
    createdAt: now,
    expiresAt: now + ttl + 60,
    delegation: {
      parents: [...(chain?.parents ?? []), parent.grantId],
      parentClients: [...(chain?.parentClients ?? []), parent.clientId],
      parentJtis: [...(chain?.parentJtis ?? []), subject.claims.jti],
      actors: [...(chain?.actors ?? []), actor.clientId],
      actorJtis: [...(chain?.actorJtis ?? []), ...(actorToken ? [actorToken.claims.jti] : [])],
    },
  };
  await store.tokens.createDelegatedGrant(grant);
  return mintTokens({
    signer,
    issuer,
    tenant,
    client,
    subject: {
      kind: 'delegated',
      user: subject.user,
      grant,
      act: { sub: actor.clientId, ...(subject.claims.act ? { act: subject.claims.act } : {}) },
    },
    scope,
    now,
    target: { aud, ttl },
  });
}

/**
 * Scopes only narrow (RFC 8693 §2.1, §5): each one requested must be in the subject token and in the actor's policy;
 * absent `scope` means all of the subject's that the policy allows. For a new target resource, OpenID scopes carry
 * over, and an API scope only if the policy names it explicitly and the new resource defines it (a `write` granted
 * for one API does not become `write` on another by its name).
 */
function delegatedScope(
  requested: string | undefined,
  subjectScope: string | undefined,
  allowed: readonly string[] | undefined,
  newTarget: Resource | undefined,
): string {
  const subjectScopes = parseScope(subjectScope);
  const openid = (s: string) => (SUPPORTED_SCOPES as readonly string[]).includes(s);
  const fits = (s: string) =>
    newTarget === undefined || openid(s)
      ? allowed === undefined || allowed.includes(s)
      : (allowed?.includes(s) ?? false) && newTarget.scopes.includes(s);
  if (requested === undefined) return subjectScopes.filter(fits).join(' ');
  const scopes = parseScope(requested);
  for (const s of scopes) {
    if (!subjectScopes.includes(s)) throw new InvalidScope(`The subject_token was not granted "${s}".`);
    if (!fits(s)) throw new InvalidScope(`The scope "${s}" is not allowed for this delegation.`);
  }
  return subjectScopes.filter((s) => scopes.includes(s)).join(' ');
}

export const tokenExchange: GrantModule = {
  grantType: TOKEN_EXCHANGE,
  parameters: [
    { name: 'subject_token', required: true },
    { name: 'subject_token_type', required: true },
    { name: 'actor_token' },
    { name: 'actor_token_type' },
    { name: 'requested_token_type' },
    { name: 'resource' },
    { name: 'audience' },
    { name: 'scope' },
  ],
  handle: exchangeToken,
};
