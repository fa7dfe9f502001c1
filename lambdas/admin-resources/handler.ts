import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { resourceJson } from '../core/admin/resources.ts';
import { CreateResource } from '../core/admin/schemas.ts';
import { InvalidRequest } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { type Resource, resourceIdOf } from '../core/store/resources.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants/{tenantId}/resources — the tenant's resource servers (RFC 8707), by id. */
async function listResources({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  return pageResponse(await store.resources.listResources(tenant.id, pageQuery(req)), resourceJson);
}

/**
 * POST /admin/tenants/{tenantId}/resources — registers a resource server: clients then ask for tokens for it with
 * `resource` (RFC 8707), and those carry its identifier as `aud`. One registration per identifier (409 for a
 * second); the id is derived from the identifier. `client_id` names the confidential client the resource server
 * introspects as (RFC 7662 §2.1).
 */
async function createResource({ req, store, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const input = parseInput(
    CreateResource,
    jsonBody(req, '{ "identifier", "name", "scopes", "access_token_lifetime"?, "client_id"? }'),
  );
  if (input.client_id !== undefined) {
    const client = await store.clients.findClient(tenant.id, input.client_id, true);
    if (!client) throw new InvalidRequest(`client_id: the tenant has no client "${input.client_id}".`);
    if (client.tokenEndpointAuthMethod === 'none')
      throw new InvalidRequest(
        `client_id: "${input.client_id}" is a public client (token_endpoint_auth_method none); a resource server introspects as a confidential client.`,
      );
  }
  const resource: Resource = {
    tenantId: tenant.id,
    resourceId: resourceIdOf(input.identifier),
    identifier: input.identifier,
    name: input.name,
    scopes: input.scopes,
    ...(input.access_token_lifetime !== undefined ? { accessTokenTtlSeconds: input.access_token_lifetime } : {}),
    ...(input.client_id !== undefined ? { clientId: input.client_id } : {}),
    createdAt: now,
  };
  const body = resourceJson(resource);
  return change({
    parts: [store.resources.createResource(resource)],
    auditTenantId: tenant.id,
    audit: { action: 'resource.created', target: { type: 'resource', id: resource.resourceId }, changes: input },
    response: json(201, body, {
      Location: `${req.baseUrl}/admin/tenants/${tenant.id}/resources/${resource.resourceId}`,
    }),
  });
}

export const handler = createAdminHandler({ GET: listResources, POST: createResource });
