import { getStore } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { validateAuthorizationRequest } from '../core/oidc/authorization-request.ts';
import { authenticateAnyClient } from '../core/oidc/client-metadata-documents.ts';
import { tenantOriginsCors } from '../core/oidc/cors.ts';
import { matchesRegisteredRedirectUri } from '../core/oidc/redirect-uris.ts';
import { requestedResource, resolveResource } from '../core/oidc/resources.ts';

/** Client authentication travels with the push but is no part of the authorization request it stands for. */
const CLIENT_AUTH_PARAMETERS = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

/**
 * POST {issuer}/par — RFC 9126 pushed authorization requests. The client authenticates as at the token endpoint
 * (§2), and the request is checked here exactly as authorize would check it (redirect URI, PKCE S256, scopes,
 * resource, prompt, max_age, acr), so every error reaches the client as JSON (§2.3) and never the user. What passes is
 * stored for 60 seconds, once, for this client; authorize takes it by the returned `request_uri` (§4).
 */
export async function pushAuthorizationRequest(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  if (req.json !== undefined)
    throw new InvalidRequest('Send the pushed request as application/x-www-form-urlencoded (RFC 9126 §2.1).');
  // A public client may be one described by its Client ID Metadata Document, as at authorize.
  const client = await authenticateAnyClient(req, store, tenant);
  const params: Record<string, string> = { client_id: client.clientId };
  for (const [name, value] of Object.entries(req.form)) if (!CLIENT_AUTH_PARAMETERS.has(name)) params[name] = value;
  // §2.1: a pushed request cannot itself refer to another one.
  if (params.request_uri !== undefined) throw new InvalidRequest('request_uri cannot be pushed (RFC 9126 §2.1).');
  const resource = await resolveResource(store, client, requestedResource(req, params));
  if (req.repeated.length > 0) throw new InvalidRequest(`The parameter '${req.repeated[0]}' is repeated.`);
  if (!params.redirect_uri) throw new InvalidRequest('redirect_uri is required.');
  if (!matchesRegisteredRedirectUri(params.redirect_uri, client.redirectUris))
    throw new InvalidRequest(
      'redirect_uri is not one of the client’s registered redirect URIs (compared exactly, RFC 6749 §3.1.2.3).',
    );
  validateAuthorizationRequest(params, client, resource);
  const pushed = await store.pushedRequests.push(tenant.id, client.clientId, params);
  // §2.2: 201 Created; no-store is added by the middleware.
  return json(201, { request_uri: pushed.requestUri, expires_in: pushed.expiresIn });
}

export const handler = createTenantHandler(pushAuthorizationRequest, {
  oauth: true,
  allowRepeated: true,
  cors: tenantOriginsCors,
});
