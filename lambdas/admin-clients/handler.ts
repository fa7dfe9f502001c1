import * as z from 'zod/mini';
import { requireOperator } from '../core/admin-auth.ts';
import { epochSeconds, systemClock } from '../core/clock.ts';
import { randomToken, sha256 } from '../core/crypto.ts';
import { getConfig, getStore } from '../core/deps.ts';
import { InvalidClientMetadata, InvalidRedirectUri, InvalidRequest, NotFound } from '../core/errors.ts';
import { createHandler } from '../core/http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { redirectUriProblem, webOrigins } from '../core/oidc/redirect-uris.ts';
import { SUPPORTED_SCOPES } from '../core/oidc/scopes.ts';
import type { Client } from '../core/store/clients.ts';
import { tenantIdProblem } from '../core/tenant-id.ts';
import { integerIn, parseInput } from '../core/validation.ts';

const redirectUri = z.string().check(
  z.superRefine((uri, ctx) => {
    const problem = redirectUriProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: `${uri} ${problem}` });
  }),
);

/** RFC 7591 §2 client metadata (the subset Keyway implements) plus `audience` for access tokens. */
const ClientMetadata = z.object({
  redirect_uris: z.array(redirectUri).check(z.minLength(1), z.maxLength(20)),
  post_logout_redirect_uris: z._default(z.array(redirectUri).check(z.maxLength(20)), []),
  grant_types: z._default(z.array(z.enum(['authorization_code', 'refresh_token'])).check(z.minLength(1)), [
    'authorization_code',
  ]),
  response_types: z._default(z.array(z.literal('code')), ['code']),
  token_endpoint_auth_method: z._default(
    z.enum(['client_secret_basic', 'client_secret_post', 'none']),
    'client_secret_basic',
  ),
  client_name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
  scope: z._default(
    z.string().check(
      z.refine((s) => s.split(' ').every((x) => (SUPPORTED_SCOPES as readonly string[]).includes(x)), {
        message: `scopes must be among: ${SUPPORTED_SCOPES.join(' ')}`,
      }),
    ),
    SUPPORTED_SCOPES.join(' '),
  ),
  audience: z.optional(z.url()),
  /** Keyway extension: per-client token lifetimes in seconds (each falls back to the tenant's setting). */
  access_token_lifetime: z.optional(integerIn(60, 86_400)),
  id_token_lifetime: z.optional(integerIn(60, 86_400)),
  refresh_token_lifetime: z.optional(integerIn(300, 365 * 86_400)),
});

/** RFC 7591 §3.2.2 error codes: a redirect URI problem is `invalid_redirect_uri`, any other `invalid_client_metadata`. */
const metadataError = (field: PropertyKey | undefined, detail: string) =>
  field === 'redirect_uris' || field === 'post_logout_redirect_uris'
    ? new InvalidRedirectUri(detail)
    : new InvalidClientMetadata(detail);

/**
 * POST /admin/tenants/{tenantId}/clients — registers a client (RFC 7591 request and response shapes).
 * A confidential client's secret is returned once and stored only as a hash.
 */
export async function registerClient(req: HttpRequest): Promise<HttpResponse> {
  requireOperator(req, getConfig());
  const tenantId = req.params.tenantId ?? '';
  const store = getStore();
  if (tenantIdProblem(tenantId) || !(await store.tenants.findTenant(tenantId))) throw new NotFound('No such tenant.');
  if (req.json === undefined) throw new InvalidRequest('Send the client metadata as a JSON body.');
  const metadata = parseInput(ClientMetadata, req.json, metadataError);
  if (metadata.grant_types.includes('refresh_token') && !metadata.grant_types.includes('authorization_code'))
    throw new InvalidClientMetadata('grant_types: refresh_token needs authorization_code.');
  // Keyway's per-client lifetimes: metadata name → Client.lifetimes field.
  const lifetimeFields = [
    ['access_token_lifetime', 'accessTokenTtlSeconds'],
    ['id_token_lifetime', 'idTokenTtlSeconds'],
    ['refresh_token_lifetime', 'refreshTokenTtlSeconds'],
  ] as const;
  const lifetimes = Object.fromEntries(
    lifetimeFields.filter(([name]) => metadata[name] !== undefined).map(([name, field]) => [field, metadata[name]]),
  );

  const isPublic = metadata.token_endpoint_auth_method === 'none';
  const secret = isPublic ? undefined : `kws_${randomToken(32)}`;
  const issuedAt = epochSeconds(systemClock);
  const client: Client = {
    tenantId,
    clientId: randomToken(16),
    clientName: metadata.client_name ?? 'Unnamed client',
    redirectUris: metadata.redirect_uris,
    postLogoutRedirectUris: metadata.post_logout_redirect_uris,
    grantTypes: metadata.grant_types,
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    scope: metadata.scope,
    ...(secret ? { secretHash: sha256(secret) } : {}),
    ...(metadata.audience ? { audience: metadata.audience } : {}),
    ...(Object.keys(lifetimes).length > 0 ? { lifetimes } : {}),
    allowedOrigins: webOrigins(metadata.redirect_uris),
    issuedAt,
  };
  await store.clients.createClient(client);
  return json(201, {
    client_id: client.clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: issuedAt,
    client_name: client.clientName,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: metadata.response_types,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    scope: client.scope,
    ...(client.audience ? { audience: client.audience } : {}),
    ...Object.fromEntries(
      lifetimeFields.filter(([name]) => metadata[name] !== undefined).map(([name]) => [name, metadata[name]]),
    ),
  });
}

// RFC 7591 §3.2.2 errors carry `error`/`error_description`, like the OAuth endpoints.
export const handler = createHandler(registerClient, { oauth: true });
