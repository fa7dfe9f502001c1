import { epochSeconds } from '../core/clock.ts';
import { getStore } from '../core/deps.ts';
import { InvalidRequest, NotFound, UnauthorizedClient, UnsupportedGrantType } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { type ClientCredentials, clientCredentials, verifyClient } from '../core/oidc/client-auth.ts';
import { isMetadataDocumentClientId, requireDocumentClient } from '../core/oidc/client-metadata-documents.ts';
import { tenantOriginsCors } from '../core/oidc/cors.ts';
import type { GrantType } from '../core/oidc/grant-types.ts';
import { GRANTS } from '../core/oidc/grants/registry.ts';
import { getSigner } from '../core/signing.ts';
import { tenantIdProblem } from '../core/tenant-id.ts';

/**
 * POST {issuer}/token — RFC 6749 §3.2. The shared checks, in the order their errors are reported: unknown tenant
 * (404), a JSON body (400), client authentication (401), grant_type present and supported, the client allowed it
 * (RFC 6749 §5.2), the grant's required parameters; then the grant module (lambdas/core/oidc/grants/). Repeated
 * parameters are refused by the middleware (RFC 6749 §3.2).
 */
export async function token(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenantId = req.params.tenantId ?? '';
  if (tenantIdProblem(tenantId)) throw new NotFound('No such tenant.');
  let credentials: ClientCredentials | undefined;
  let credentialsError: unknown;
  try {
    credentials = clientCredentials(req);
  } catch (error) {
    credentialsError = error;
  }
  const grantType = req.form.grant_type;
  const module =
    grantType !== undefined && Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType as GrantType] : undefined;
  // Tenant, client and what the grant needs (a refresh token and its family) are independent reads: one BatchGetItem.
  const items = await store.loadTokenRequest(tenantId, credentials?.clientId, module?.preload?.(req, tenantId) ?? []);
  const tenant = items.tenant;
  if (!tenant) throw new NotFound('No such tenant.');
  if (req.json !== undefined) throw new InvalidRequest('Send the token request as application/x-www-form-urlencoded.');
  if (!credentials) throw credentialsError;
  // A client_id URL names no stored client: its metadata document describes it (cached, else fetched).
  const described =
    !items.client && isMetadataDocumentClientId(credentials.clientId)
      ? await requireDocumentClient(store, tenant, credentials.clientId)
      : undefined;
  const client = verifyClient(credentials, items.client ?? described, epochSeconds(store.clock));
  if (!grantType) throw new InvalidRequest('The grant_type parameter is required.');
  if (!module) throw new UnsupportedGrantType(`The grant type "${grantType}" is not supported.`);
  if (!client.grantTypes.includes(module.grantType))
    throw new UnauthorizedClient(`The client is not registered for the ${grantType} grant.`);
  for (const p of module.parameters)
    if (p.required && !req.form[p.name]) throw new InvalidRequest(p.missing ?? `The ${p.name} parameter is required.`);
  const tokens = await module.handle({ req, store, signer: await getSigner(), tenant, client, preloaded: items.extra });
  // RFC 6749 §5.1: no-store is added by the middleware to everything not explicitly cacheable.
  return json(200, tokens);
}

export const handler = createTenantHandler(token, { oauth: true, cors: tenantOriginsCors });
