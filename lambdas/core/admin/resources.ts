import { NotFound } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { requireTenant } from '../issuer.ts';
import type { Resource } from '../store/resources.ts';
import type { Store } from '../store/store.ts';
import { isoTime } from '../views.ts';

/** The admin API's one view of a resource server (RFC 8707), in every response that shows one. */
export function resourceJson(resource: Resource) {
  return {
    id: resource.resourceId,
    identifier: resource.identifier,
    name: resource.name,
    scopes: resource.scopes,
    access_token_lifetime: resource.accessTokenTtlSeconds ?? null,
    client_id: resource.clientId ?? null,
    created_at: isoTime(resource.createdAt),
  };
}

/** The resource named by the path, read strongly consistently, or 404 (also for an id that cannot be one). */
export async function requireResource(req: HttpRequest, store: Store): Promise<Resource> {
  const tenant = await requireTenant(req, store);
  const resource = await store.resources.findResource(tenant.id, req.params.resourceId ?? '', true);
  if (!resource) throw new NotFound('No such resource.');
  return resource;
}
