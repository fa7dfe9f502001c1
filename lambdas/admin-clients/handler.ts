import { ClientMetadata, clientJson, metadataError, newClient } from '../core/admin/clients.ts';
import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants/{tenantId}/clients — the tenant's clients as RFC 7591 metadata. */
async function listClients({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  return pageResponse(await store.clients.listClients(tenant.id, pageQuery(req)), clientJson);
}

/**
 * POST /admin/tenants/{tenantId}/clients — registers a client (RFC 7591 request and response shapes; unknown
 * metadata is ignored, §2). A confidential client's secret is returned once and stored only as a hash.
 */
async function registerClient({ req, store, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const metadata = parseInput(ClientMetadata, jsonBody(req, 'the client metadata'), metadataError);
  const { client, secret } = newClient(tenant.id, metadata, now);
  const body = clientJson(client);
  return change({
    parts: store.clients.createClientParts(client),
    auditTenantId: tenant.id,
    // The metadata as registered: no secret (its hash is not in the entry either).
    audit: { action: 'client.created', target: { type: 'client', id: client.clientId }, changes: body },
    events: [{ type: 'client.created', data: body }],
    secretFields: ['client_secret'],
    response: json(
      201,
      { ...body, ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}) },
      {
        Location: `${req.baseUrl}/admin/tenants/${tenant.id}/clients/${client.clientId}`,
      },
    ),
  });
}

// RFC 7591 §3.2.2 errors carry `error`/`error_description`, like the OAuth endpoints.
export const handler = createAdminHandler({ GET: listClients, POST: registerClient }, { oauth: true });
