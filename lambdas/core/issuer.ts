import { NotFound } from './errors.ts';
import type { HttpRequest } from './http/types.ts';
import type { Store } from './store/store.ts';
import type { Tenant } from './store/tenants.ts';
import { tenantIdProblem } from './tenant-id.ts';

export function issuerOf(req: HttpRequest, tenantId: string): string {
  return `${req.baseUrl}/${tenantId}`;
}

/** Resolves the tenant named by the path; unknown (or malformed) tenants are a 404, never a 500. */
export async function requireTenant(req: HttpRequest, store: Store): Promise<Tenant> {
  const tenantId = req.params.tenantId ?? '';
  const tenant = tenantIdProblem(tenantId) ? undefined : await store.tenants.findTenant(tenantId);
  if (!tenant) throw new NotFound('No such tenant.');
  return tenant;
}
