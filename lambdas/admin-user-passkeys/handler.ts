import { type AdminContext, createAdminHandler, pageQuery, pageResponse } from '../core/admin/endpoint.ts';
import { requireUser } from '../core/admin/users.ts';
import { passkeyJson } from '../core/views.ts';

/** GET /admin/tenants/{tenantId}/users/{userId}/passkeys — never the public key or the signature counter. */
async function listPasskeys({ req, store }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  return pageResponse(await store.users.listPasskeyPage(tenant.id, user.userId, pageQuery(req)), passkeyJson);
}

export const handler = createAdminHandler({ GET: listPasskeys });
