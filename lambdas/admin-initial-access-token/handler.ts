import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { INITIAL_ACCESS_TOKEN_ID_PATTERN } from '../core/admin/initial-access-tokens.ts';
import { NotFound } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';

/**
 * DELETE /admin/tenants/{tenantId}/initial-access-tokens/{tokenId} — revokes the token: the next registration with
 * it is a 401 (tokens are read strongly consistently, and the registration's transaction checks it again). Clients
 * already registered with it stay.
 */
async function revokeToken({ req, store, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const tokenId = req.params.tokenId ?? '';
  if (!INITIAL_ACCESS_TOKEN_ID_PATTERN.test(tokenId)) throw new NotFound('No such initial access token.');
  return change({
    parts: [store.initialAccessTokens.revokeToken(tenant.id, tokenId, now)],
    auditTenantId: tenant.id,
    audit: {
      action: 'initial_access_token.revoked',
      target: { type: 'initial_access_token', id: tokenId },
      changes: {},
    },
    response: json(200, { id: tokenId, revoked: true }),
  });
}

export const handler = createAdminHandler({ DELETE: revokeToken });
