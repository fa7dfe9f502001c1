import { epochSeconds } from '../../clock.ts';
import { InvalidScope } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import { resolveResource } from '../resources.ts';
import { parseScope, SUPPORTED_SCOPES } from '../scopes.ts';
import { mintTokens } from '../token-minting.ts';
import type { GrantContext, GrantModule } from './grant.ts';

/** Scopes about a signed-in person: meaningless for a client acting as itself. */
const USER_SCOPES: ReadonlySet<string> = new Set(SUPPORTED_SCOPES);

/**
 * RFC 6749 §4.4: a confidential client (the endpoint has authenticated it, and registration refuses the grant for
 * public clients) gets an access token for itself. Its scopes are API scopes, so they come with a `resource`
 * (RFC 8707) that defines them; no scope is also fine (the token then says only who the client is). A client's own
 * `scope` metadata holds OpenID scopes only, which are about a user and refused here.
 */
async function clientCredentials(ctx: GrantContext) {
  const { req, store, tenant, client } = ctx;
  const resource = await resolveResource(store, client, req.form.resource);
  const requested = parseScope(req.form.scope);
  for (const s of requested) {
    if (USER_SCOPES.has(s))
      throw new InvalidScope(`The scope "${s}" is about a user; a client acting as itself has none.`);
    if (!resource) throw new InvalidScope(`The scope "${s}" belongs to no resource: name the API with \`resource\`.`);
    if (!resource.scopes.includes(s))
      throw new InvalidScope(`The resource "${resource.identifier}" has no scope "${s}".`);
  }
  return mintTokens({
    subject: { kind: 'client' },
    signer: ctx.signer,
    issuer: issuerOf(req, tenant.id),
    tenant,
    client,
    scope: requested.join(' '),
    now: epochSeconds(store.clock),
    resource,
  });
}

export const clientCredentialsGrant: GrantModule = {
  grantType: 'client_credentials',
  parameters: [{ name: 'scope' }, { name: 'resource' }],
  handle: clientCredentials,
};
