import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { requireUser } from '../core/admin/users.ts';
import { NotFound } from '../core/errors.ts';
import { json } from '../core/http/types.ts';

/** DELETE /admin/tenants/{tenantId}/users/{userId}/passkeys/{credentialId} — that passkey no longer signs in. */
async function deletePasskey({ req, store }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  const credentialId = req.params.credentialId ?? '';
  if (!/^[A-Za-z0-9_-]{1,1400}$/.test(credentialId)) throw new NotFound('No such passkey.');
  return change({
    parts: [store.users.deletePasskey(tenant.id, user.userId, credentialId)],
    auditTenantId: tenant.id,
    audit: {
      action: 'passkey.removed',
      target: { type: 'passkey', id: credentialId },
      changes: { user_id: user.userId },
    },
    events: [{ type: 'passkey.removed', data: { user_id: user.userId, passkey_id: credentialId } }],
    response: json(200, { id: credentialId, deleted: true }),
  });
}

export const handler = createAdminHandler({ DELETE: deletePasskey });
