import { NotFound } from './errors.ts';
import type { HttpRequest } from './http/types.ts';
import type { Store } from './store/store.ts';
import type { Tenant } from './store/tenants.ts';
import { tenantIdProblem } from './tenant-id.ts';

export function issuerOf(req: HttpRequest, tenantId: string): string {
  return `${req.baseUrl}/${tenantId}`;
}

/** The tenant named by the path (one GetItem), or undefined for an unknown or malformed id (never a 500). */
export async function findTenantOf(req: HttpRequest, store: Store): Promise<Tenant | undefined> {
  const tenantId = req.params.tenantId ?? '';
  return tenantIdProblem(tenantId) ? undefined : store.tenants.findTenant(tenantId);
}

/** findTenantOf, or a 404 problem. */
export async function requireTenant(req: HttpRequest, store: Store): Promise<Tenant> {
  const tenant = await findTenantOf(req, store);
  if (!tenant) throw new NotFound('No such tenant.');
  return tenant;
}
