import {
  ClientMetadata,
  clientJson,
  LIFETIME_FIELDS,
  metadataError,
  tokenExchangePolicy,
} from '../core/admin/clients.ts';
import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { randomToken, sha256 } from '../core/crypto.ts';
import { InvalidClientMetadata } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { grantTypesProblem } from '../core/oidc/grant-types.ts';
import { webOrigins } from '../core/oidc/redirect-uris.ts';
import type { Client } from '../core/store/clients.ts';
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
  const grantsProblem = grantTypesProblem(metadata.grant_types, {
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    redirectUris: metadata.redirect_uris,
  });
  if (grantsProblem) throw new InvalidClientMetadata(grantsProblem);
  const lifetimes = Object.fromEntries(
    LIFETIME_FIELDS.filter(([name]) => metadata[name] !== undefined).map(([name, field]) => [field, metadata[name]]),
  );

  const isPublic = metadata.token_endpoint_auth_method === 'none';
  const secret = isPublic ? undefined : `kws_${randomToken(32)}`;
  const client: Client = {
    tenantId: tenant.id,
    clientId: randomToken(16),
    clientName: metadata.client_name ?? 'Unnamed client',
    redirectUris: metadata.redirect_uris,
    postLogoutRedirectUris: metadata.post_logout_redirect_uris,
    grantTypes: metadata.grant_types,
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    scope: metadata.scope,
    ...(secret ? { secretHash: sha256(secret) } : {}),
    ...(metadata.audience ? { audience: metadata.audience } : {}),
    ...(metadata.client_type ? { clientType: metadata.client_type } : {}),
    firstParty: metadata.first_party,
    ...(metadata.resources ? { resources: metadata.resources } : {}),
    ...(metadata.token_exchange ? { tokenExchange: tokenExchangePolicy(metadata.token_exchange) } : {}),
    ...(Object.keys(lifetimes).length > 0 ? { lifetimes } : {}),
    allowedOrigins: webOrigins(metadata.redirect_uris),
    issuedAt: now,
  };
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
