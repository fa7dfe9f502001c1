import { API_KEY_ID_PATTERN } from '../core/admin/authenticate.ts';
import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { NotFound } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { isoTime } from '../core/views.ts';

/**
 * DELETE /admin/tenants/{tenantId}/api-keys/{keyId} — revokes the key: the next call with it is a 401 (keys are
 * read with strong consistency). A key may revoke itself.
 */
async function revokeApiKey({ req, store, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const keyId = req.params.keyId ?? '';
  if (!API_KEY_ID_PATTERN.test(keyId)) throw new NotFound('No such API key.');
  return change({
    parts: [store.apiKeys.revokeKey(tenant.id, keyId, now)],
    auditTenantId: tenant.id,
    audit: { action: 'api_key.revoked', target: { type: 'api_key', id: keyId }, changes: {} },
    events: [{ type: 'api_key.revoked', data: { id: keyId, revoked_at: isoTime(now) } }],
    response: json(200, { id: keyId, revoked: true }),
  });
}

export const handler = createAdminHandler({ DELETE: revokeApiKey });
