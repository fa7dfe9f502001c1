import { epochSeconds } from '../../clock.ts';
import { InvalidScope } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import { parseScope } from '../scopes.ts';
import { mintClientToken } from '../token-minting.ts';
import type { GrantContext, GrantModule } from './grant.ts';

/** Scopes about a signed-in person: meaningless for a client acting as itself. */
const USER_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/**
 * RFC 6749 §4.4: a confidential client (the endpoint has authenticated it, and registration refuses the grant for
 * public clients) gets an access token for itself. Scopes: only those registered for the client that are not about a
 * user; none is also fine (the token then says only who the client is). API scopes come with resource servers.
 */
async function clientCredentials(ctx: GrantContext) {
  const { req, store, tenant, client } = ctx;
  const requested = parseScope(req.form.scope);
  const allowed = new Set(parseScope(client.scope).filter((s) => !USER_SCOPES.has(s)));
  for (const s of requested) {
    if (USER_SCOPES.has(s))
      throw new InvalidScope(`The scope "${s}" is about a user; a client acting as itself has none.`);
    if (!allowed.has(s)) throw new InvalidScope(`The client may not request the scope "${s}".`);
  }
  return mintClientToken({
    signer: ctx.signer,
    issuer: issuerOf(req, tenant.id),
    tenant,
    client,
    scope: requested.join(' '),
    now: epochSeconds(store.clock),
  });
}

export const clientCredentialsGrant: GrantModule = {
  grantType: 'client_credentials',
  parameters: [{ name: 'scope' }],
  handle: clientCredentials,
};
