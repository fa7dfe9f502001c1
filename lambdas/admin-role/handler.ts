import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { ROLE_NAME_PATTERN } from '../core/admin/schemas.ts';
import { InvalidRequest, NotFound } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { isBuiltInRole } from '../core/store/roles.ts';

/**
 * DELETE /admin/tenants/{tenantId}/roles/{name} — refused with 409 while any user holds the role (remove it from
 * them first): deleting it would silently change what those users may do in the tenant's apps.
 */
async function deleteRole({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const name = req.params.name ?? '';
  if (isBuiltInRole(name)) throw new InvalidRequest(`"${name}" is a built-in role; it cannot be deleted.`);
  if (!ROLE_NAME_PATTERN.test(name) || !(await store.roles.findRole(tenant.id, name)))
    throw new NotFound('No such role.');
  return change({
    parts: [store.roles.deleteRole(tenant.id, name)],
    auditTenantId: tenant.id,
    audit: { action: 'role.deleted', target: { type: 'role', id: name }, changes: {} },
    response: json(200, { name, deleted: true }),
  });
}

export const handler = createAdminHandler({ DELETE: deleteRole });
