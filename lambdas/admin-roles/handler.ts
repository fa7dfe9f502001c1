import { type AdminContext, change, createAdminHandler, jsonBody, pageQuery } from '../core/admin/endpoint.ts';
import { CreateRole } from '../core/admin/schemas.ts';
import { InvalidRequest } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { isBuiltInRole, type Role } from '../core/store/roles.ts';
import { BUILT_IN_ROLES } from '../core/store/users.ts';
import { parseInput } from '../core/validation.ts';
import { isoTime } from '../core/views.ts';

function roleJson(role: Role) {
  return {
    name: role.name,
    description: role.description ?? null,
    built_in: false,
    users: role.assigned ?? 0,
    created_at: isoTime(role.createdAt),
  };
}

const BUILT_IN_JSON = BUILT_IN_ROLES.map((name) => ({
  name,
  description: `Built-in role "${name}"`,
  built_in: true,
  users: null,
  created_at: null,
}));

/** GET /admin/tenants/{tenantId}/roles — the built-in roles (on the first page), then the tenant's custom roles. */
async function listRoles({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const query = pageQuery(req);
  const page = await store.roles.listRoles(tenant.id, query);
  const items = [...(query.cursor === undefined ? BUILT_IN_JSON : []), ...page.items.map(roleJson)];
  return json(200, { items, next_cursor: page.nextCursor ?? null });
}

/** POST /admin/tenants/{tenantId}/roles — a custom role; users may then hold it (it appears in `roles` claims). */
async function createRole({ req, store, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const input = parseInput(CreateRole, jsonBody(req, '{ "name", "description"? }'));
  if (isBuiltInRole(input.name)) throw new InvalidRequest(`name: "${input.name}" is a built-in role.`);
  const role: Role = {
    tenantId: tenant.id,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    createdAt: now,
  };
  return change({
    parts: [store.roles.createRole(role)],
    auditTenantId: tenant.id,
    audit: { action: 'role.created', target: { type: 'role', id: role.name }, changes: input },
    response: json(201, roleJson(role), { Location: `${req.baseUrl}/admin/tenants/${tenant.id}/roles/${role.name}` }),
  });
}

export const handler = createAdminHandler({ GET: listRoles, POST: createRole });
