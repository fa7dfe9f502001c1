import { getStore } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { authenticateAnyClient } from '../core/oidc/client-metadata-documents.ts';
import { tenantOriginsCors } from '../core/oidc/cors.ts';
import { findActiveToken, ownedBy } from '../core/oidc/token-lookup.ts';
import { getSigner } from '../core/signing.ts';

/**
 * POST {issuer}/revoke — RFC 7009. Revoking a refresh token revokes its whole family; revoking an access
 * token revokes that token. Unknown, foreign or already-revoked tokens still get 200 (§2.2), and a client can
 * only revoke its own tokens.
 */
export async function revoke(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  // A public client may be one described by its Client ID Metadata Document: looked up like authorize does.
  const client = await authenticateAnyClient(req, store, tenant);
  const token = req.form.token;
  if (!token) throw new InvalidRequest('The token parameter is required.');
  const found = await findActiveToken(token, req.form.token_type_hint, {
    store,
    signer: await getSigner(),
    tenant,
    issuer: issuerOf(req, tenant.id),
  });
  if (ownedBy(found, client)) {
    if (found.kind === 'refresh_token') await store.tokens.revokeGrant(found.grant, 'revocation');
    if (found.kind === 'access_token') {
      const { jti, exp } = found.active.claims;
      const owner =
        found.active.subject === 'user'
          ? found.active.grant
          : { tenantId: tenant.id, clientId: found.active.client.clientId };
      await store.tokens.revokeAccessToken(owner, jti, exp ?? 0);
    }
  }
  return { status: 200, headers: {}, body: '' };
}

export const handler = createTenantHandler(revoke, { oauth: true, cors: tenantOriginsCors });
