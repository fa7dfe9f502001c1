import { randomUUID } from 'node:crypto';
import { epochSeconds } from '../../clock.ts';
import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget, UnauthorizedClient } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import type { Client } from '../../store/clients.ts';
import type { Resource } from '../../store/resources.ts';
import { type Grant, MAX_DELEGATION_DEPTH } from '../../store/tokens.ts';
import { verifyAccessToken } from '../access-token.ts';
import { TOKEN_EXCHANGE } from '../grant-types.ts';
import { resolveResource } from '../resources.ts';
import { parseScope, SUPPORTED_SCOPES } from '../scopes.ts';
import { ACCESS_TOKEN_TYPE, accessTokenTarget, mintDelegatedToken } from '../token-minting.ts';
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
  if (!subject) throw new InvalidGrant('The subject_token is not an active access token of this tenant.');
  if (subject.subject !== 'user')
    throw new InvalidGrant(
      "The subject_token must be a user's token; a client acts as itself with client_credentials.",
    );
  let actor: Client = client;
  if (form.actor_token !== undefined) {
    if (!actorToken) throw new InvalidGrant('The actor_token is not an active access token of this tenant.');
    if (actorToken.subject !== 'client')
      throw new InvalidGrant("The actor_token must be a client's own token (client_credentials).");
    actor = actorToken.client;
  }
  const policy = actor.tokenExchange;
  if (!policy) throw new UnauthorizedClient(`The client ${actor.clientId} may not act for users (no token_exchange).`);
  const parent = subject.grant;
  const chain = parent.delegation;
  if ((chain?.actors.length ?? 0) >= MAX_DELEGATION_DEPTH)
    throw new InvalidRequest(`A delegation chain is at most ${MAX_DELEGATION_DEPTH} actors deep.`);

  // The audience: the subject token's, or another resource the policy names (RFC 8707 / §2.1 `audience`).
  const subjectAud = typeof subject.claims.aud === 'string' ? subject.claims.aud : undefined;
  const target = form.resource ?? form.audience;
  let resource: Resource | undefined;
  if (target === undefined || target === subjectAud) {
    resource = subjectAud !== undefined ? await store.resources.findByIdentifier(tenant.id, subjectAud) : undefined;
  } else {
    if (!policy.resources?.includes(target))
      throw new InvalidTarget(`The client ${actor.clientId} may not get delegated tokens for "${target}".`);
    resource = await resolveResource(store, client, target);
  }
  const aud = resource?.identifier ?? subjectAud;
  if (aud === undefined) throw new InvalidGrant('The subject_token has no single audience.');

  const scope = delegatedScope(
    form.scope,
    subject.claims.scope,
    policy.scopes,
    target === undefined ? undefined : resource,
  );
  const remaining = (subject.claims.exp ?? now) - now;
  const ttl = Math.min(
    remaining,
    policy.maxLifetimeSeconds ?? remaining,
    accessTokenTarget(tenant, client, resource).ttl,
  );
  if (ttl <= 0) throw new InvalidGrant('The subject_token expires now.');

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
    createdAt: now,
    expiresAt: now + ttl + 60,
    delegation: {
      parents: [...(chain?.parents ?? []), parent.grantId],
      parentJtis: [...(chain?.parentJtis ?? []), subject.claims.jti],
      actors: [...(chain?.actors ?? []), actor.clientId],
      actorJtis: [...(chain?.actorJtis ?? []), ...(actorToken ? [actorToken.claims.jti] : [])],
    },
  };
  await store.tokens.createDelegatedGrant(grant);
  return mintDelegatedToken({
    signer,
    issuer,
    tenant,
    client,
    grant,
    user: subject.user,
    scope,
    now,
    aud,
    ttl,
    act: { sub: actor.clientId, ...(subject.claims.act ? { act: subject.claims.act } : {}) },
  });
}

/**
 * Scopes only narrow (RFC 8693 §2.1, §5): each one requested must be in the subject token and in the actor's policy;
 * absent `scope` means all of the subject's that the policy allows. For a new target resource, only OpenID scopes and
 * that resource's own carry over.
 */
function delegatedScope(
  requested: string | undefined,
  subjectScope: string | undefined,
  allowed: readonly string[] | undefined,
  newTarget: Resource | undefined,
): string {
  const subjectScopes = parseScope(subjectScope);
  const fits = (s: string) =>
    (allowed === undefined || allowed.includes(s)) &&
    (newTarget === undefined || (SUPPORTED_SCOPES as readonly string[]).includes(s) || newTarget.scopes.includes(s));
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
