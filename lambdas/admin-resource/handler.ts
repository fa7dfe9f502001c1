import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { requireResource, resourceJson } from '../core/admin/resources.ts';
import { json } from '../core/http/types.ts';

/** GET /admin/tenants/{tenantId}/resources/{resourceId} — one resource server; 404 for an unknown or malformed id. */
async function getResource({ req, store }: AdminContext) {
  return json(200, resourceJson(await requireResource(req, store)));
}

/**
 * DELETE /admin/tenants/{tenantId}/resources/{resourceId} — from then on a request naming its identifier as
 * `resource` is invalid_target. Access tokens already issued for it stay valid until `exp` for validators that
 * only check the signature (docs/ADMIN-API.md, the JWT trade-off).
 */
async function deleteResource({ req, store }: AdminContext) {
  const resource = await requireResource(req, store);
  return change({
    parts: [store.resources.deleteResource(resource.tenantId, resource.resourceId)],
    auditTenantId: resource.tenantId,
    audit: {
      action: 'resource.deleted',
      target: { type: 'resource', id: resource.resourceId },
      changes: { identifier: resource.identifier, name: resource.name },
    },
    response: json(200, { id: resource.resourceId, deleted: true }),
  });
}

export const handler = createAdminHandler({ GET: getResource, DELETE: deleteResource });
