import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { CreateTenant } from '../core/admin/schemas.ts';
import { checkRpId, tenantJson } from '../core/admin/tenants.ts';
import { InvalidRequest } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { DEFAULT_TENANT_SETTINGS, type Tenant } from '../core/store/tenants.ts';
import { generateTenantId, tenantIdProblem } from '../core/tenant-id.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants — the operator's paginated list (GSI1, eventually consistent). */
async function listTenants({ req, store }: AdminContext) {
  const page = await store.tenants.listTenants(pageQuery(req));
  return pageResponse(page, (t) => tenantJson(t, req));
}

/** POST /admin/tenants — the platform operator creates a tenant (an issuer). */
async function createTenant({ req, store, nowMs }: AdminContext) {
  const input = parseInput(CreateTenant, jsonBody(req, '{ "name", "plan" }'));
  const id = input.id ?? generateTenantId();
  const problem = tenantIdProblem(id);
  if (problem) throw new InvalidRequest(`id: ${problem}`);
  if (input.settings?.rpId !== undefined) checkRpId(input.settings.rpId, req, id);

  const tenant: Tenant = {
    id,
    name: input.name,
    plan: input.plan,
    settings: { ...DEFAULT_TENANT_SETTINGS, ...input.settings },
    createdAt: new Date(nowMs).toISOString(),
  };
  return change({
    parts: store.tenants.createTenantParts(tenant),
    auditTenantId: id,
    audit: {
      action: 'tenant.created',
      target: { type: 'tenant', id },
      changes: { name: tenant.name, plan: tenant.plan, settings: input.settings ?? {} },
    },
    response: json(201, tenantJson(tenant, req), { Location: `${req.baseUrl}/admin/tenants/${id}` }),
  });
}

export const handler = createAdminHandler({ GET: listTenants, POST: createTenant });
