import * as z from 'zod/mini';
import { randomToken, sha256 } from '../crypto.ts';
import { InvalidClientMetadata, InvalidRedirectUri, NotFound } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { requireTenant } from '../issuer.ts';
import { GRANT_TYPES, grantTypesProblem } from '../oidc/grant-types.ts';
import { redirectUriProblem, webOrigins } from '../oidc/redirect-uris.ts';
import { SUPPORTED_SCOPES } from '../oidc/scopes.ts';
import type { Client, ClientLifetimes, TokenExchangePolicy as TokenExchangePolicyOfClient } from '../store/clients.ts';
import type { Store } from '../store/store.ts';
import { integerIn } from '../validation.ts';
import { ClientResources, TokenExchangePolicy } from './schemas.ts';

const redirectUri = z.string().check(
  z.maxLength(2000),
  z.superRefine((uri, ctx) => {
    const problem = redirectUriProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: `${uri} ${problem}` });
  }),
);

/** Each RFC 7591 §2 field Keyway implements, without defaults (registration adds them, PATCH must not). */
const field = {
  redirect_uris: z.array(redirectUri).check(z.maxLength(20)),
  post_logout_redirect_uris: z.array(redirectUri).check(z.maxLength(20)),
  grant_types: z.array(z.enum(GRANT_TYPES)).check(z.minLength(1)),
  response_types: z.array(z.literal('code')),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'none']),
  // Shown on the consent and device pages: no control or format characters (bidi overrides, line breaks).
  client_name: z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(100),
      z.regex(/^[^\p{Cc}\p{Cf}]*$/u, { message: 'must not contain control or format characters' }),
    ),
  scope: z.string().check(
    z.maxLength(500),
    z.refine((s) => s.split(' ').every((x) => (SUPPORTED_SCOPES as readonly string[]).includes(x)), {
      message: `scopes must be among: ${SUPPORTED_SCOPES.join(' ')}`,
    }),
  ),
  audience: z.url().check(z.maxLength(2000)),
  client_type: z.enum(['service', 'agent']),
  first_party: z.boolean(),
  require_pushed_authorization_requests: z.boolean(),
  resources: ClientResources,
  token_exchange: TokenExchangePolicy,
  access_token_lifetime: integerIn(60, 86_400),
  id_token_lifetime: integerIn(60, 86_400),
  refresh_token_lifetime: integerIn(300, 365 * 86_400),
};

/** RFC 7591 §2 client metadata (the subset Keyway implements) plus `audience` for access tokens. */
export const ClientMetadata = z.object({
  /** Required by authorization_code (checked with grant_types); a client_credentials-only client has none. */
  redirect_uris: z._default(field.redirect_uris, []),
  post_logout_redirect_uris: z._default(field.post_logout_redirect_uris, []),
  grant_types: z._default(field.grant_types, ['authorization_code']),
  response_types: z._default(field.response_types, ['code']),
  token_endpoint_auth_method: z._default(field.token_endpoint_auth_method, 'client_secret_basic'),
  client_name: z.optional(field.client_name),
  scope: z._default(field.scope, SUPPORTED_SCOPES.join(' ')),
  audience: z.optional(field.audience),
  /** Keyway extension: `service` (default) or `agent`, the `client_type` claim of its client_credentials tokens. */
  client_type: z.optional(field.client_type),
  /**
   * Keyway extension: the tenant's own application (default true). A third-party client (false) shows the user a
   * consent page after sign-in, remembered per user and scopes; `offline_access` asks on any client.
   */
  first_party: z._default(field.first_party, true),
  /** RFC 9126 §6: authorize takes only pushed requests (a `request_uri` from `{issuer}/par`) from this client. */
  require_pushed_authorization_requests: z.optional(field.require_pushed_authorization_requests),
  /**
   * Keyway extension: the RFC 8707 resource servers (identifiers) the client may ask tokens for; absent: any the
   * tenant registered, `[]`: none. Not checked against the registered ones here (one may be registered later).
   */
  resources: z.optional(field.resources),
  /** Keyway extension: the client may act for users by token exchange (RFC 8693), within these bounds. */
  token_exchange: z.optional(field.token_exchange),
  /** Keyway extension: per-client token lifetimes in seconds (each falls back to the tenant's setting). */
  access_token_lifetime: z.optional(field.access_token_lifetime),
  id_token_lifetime: z.optional(field.id_token_lifetime),
  refresh_token_lifetime: z.optional(field.refresh_token_lifetime),
});

/**
 * PATCH: every field optional and absent ones stay as they are. `audience`, `resources` and the lifetimes accept
 * null: back to the client id, to any registered resource, or to the tenant's setting.
 */
export const ClientMetadataPatch = z.object({
  redirect_uris: z.optional(field.redirect_uris),
  post_logout_redirect_uris: z.optional(field.post_logout_redirect_uris),
  grant_types: z.optional(field.grant_types),
  response_types: z.optional(field.response_types),
  token_endpoint_auth_method: z.optional(field.token_endpoint_auth_method),
  client_name: z.optional(field.client_name),
  scope: z.optional(field.scope),
  audience: z.optional(z.nullable(field.audience)),
  client_type: z.optional(field.client_type),
  first_party: z.optional(field.first_party),
  require_pushed_authorization_requests: z.optional(field.require_pushed_authorization_requests),
  resources: z.optional(z.nullable(field.resources)),
  token_exchange: z.optional(z.nullable(field.token_exchange)),
  access_token_lifetime: z.optional(z.nullable(field.access_token_lifetime)),
  id_token_lifetime: z.optional(z.nullable(field.id_token_lifetime)),
  refresh_token_lifetime: z.optional(z.nullable(field.refresh_token_lifetime)),
});

/** RFC 7591 §3.2.2 error codes: a redirect URI problem is `invalid_redirect_uri`, any other `invalid_client_metadata`. */
export const metadataError = (field: PropertyKey | undefined, detail: string) =>
  field === 'redirect_uris' || field === 'post_logout_redirect_uris'
    ? new InvalidRedirectUri(detail)
    : new InvalidClientMetadata(detail);

/** Keyway's per-client lifetimes: metadata name → Client.lifetimes field. */
export const LIFETIME_FIELDS = [
  ['access_token_lifetime', 'accessTokenTtlSeconds'],
  ['id_token_lifetime', 'idTokenTtlSeconds'],
  ['refresh_token_lifetime', 'refreshTokenTtlSeconds'],
] as const satisfies readonly (readonly [string, keyof ClientLifetimes])[];

/** The client as RFC 7591 §3.2.1 metadata (never the secret or its hash). */
export function clientJson(client: Client) {
  return {
    client_id: client.clientId,
    client_id_issued_at: client.issuedAt,
    client_name: client.clientName,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: ['code'],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    scope: client.scope,
    ...(client.audience ? { audience: client.audience } : {}),
    ...(client.clientType ? { client_type: client.clientType } : {}),
    // Stored before the field existed: first-party, as every client was then.
    first_party: client.firstParty !== false,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests === true,
    resources: client.resources ?? null,
    token_exchange: client.tokenExchange
      ? {
          scopes: client.tokenExchange.scopes ?? null,
          resources: client.tokenExchange.resources ?? null,
          max_lifetime: client.tokenExchange.maxLifetimeSeconds ?? null,
        }
      : null,
    ...Object.fromEntries(
      LIFETIME_FIELDS.filter(([, field]) => client.lifetimes?.[field] !== undefined).map(([name, field]) => [
        name,
        client.lifetimes?.[field],
      ]),
    ),
  };
}

/**
 * A new client from registration metadata (admin API or RFC 7591 endpoint), checked as a whole (grant types with
 * the auth method and redirect URIs), and its secret when it is confidential: returned once, stored as a hash.
 */
export function newClient(
  tenantId: string,
  metadata: z.infer<typeof ClientMetadata>,
  now: number,
): { client: Client; secret?: string } {
  const grantsProblem = grantTypesProblem(metadata.grant_types, {
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    redirectUris: metadata.redirect_uris,
  });
  if (grantsProblem) throw new InvalidClientMetadata(grantsProblem);
  const lifetimes = Object.fromEntries(
    LIFETIME_FIELDS.filter(([name]) => metadata[name] !== undefined).map(([name, field]) => [field, metadata[name]]),
  );
  const secret = metadata.token_endpoint_auth_method === 'none' ? undefined : `kws_${randomToken(32)}`;
  const client: Client = {
    tenantId,
    clientId: randomToken(16),
    ...standardFields(metadata),
    ...(secret ? { secretHash: sha256(secret) } : {}),
    ...(metadata.audience ? { audience: metadata.audience } : {}),
    ...(metadata.client_type ? { clientType: metadata.client_type } : {}),
    firstParty: metadata.first_party,
    ...(metadata.resources !== undefined ? { resources: metadata.resources } : {}),
    ...(metadata.token_exchange ? { tokenExchange: tokenExchangePolicy(metadata.token_exchange) } : {}),
    ...(Object.keys(lifetimes).length > 0 ? { lifetimes } : {}),
    issuedAt: now,
  };
  return secret ? { client, secret } : { client };
}

/**
 * The RFC 7591 (and RFC 9126 §6) part of a client, from validated metadata: what creating a client and an RFC 7592
 * update (which replaces it) both write.
 */
export function standardFields(
  metadata: Pick<
    z.infer<typeof ClientMetadata>,
    | 'client_name'
    | 'redirect_uris'
    | 'post_logout_redirect_uris'
    | 'grant_types'
    | 'token_endpoint_auth_method'
    | 'scope'
    | 'require_pushed_authorization_requests'
  >,
) {
  return {
    clientName: metadata.client_name ?? 'Unnamed client',
    redirectUris: metadata.redirect_uris,
    postLogoutRedirectUris: metadata.post_logout_redirect_uris,
    grantTypes: metadata.grant_types,
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    scope: metadata.scope,
    ...(metadata.require_pushed_authorization_requests ? { requirePushedAuthorizationRequests: true } : {}),
    allowedOrigins: webOrigins(metadata.redirect_uris),
  };
}

/** The client named by the path, read strongly consistently (admin edits condition on what they read), or 404. */
export async function requireClient(req: HttpRequest, store: Store): Promise<Client> {
  const tenant = await requireTenant(req, store);
  const client = await store.clients.findClient(tenant.id, req.params.clientId ?? '', true);
  if (!client) throw new NotFound('No such client.');
  return client;
}

/** Metadata `token_exchange` → the stored policy. */
export function tokenExchangePolicy(input: z.infer<typeof TokenExchangePolicy>): TokenExchangePolicyOfClient {
  return {
    ...(input.scopes ? { scopes: input.scopes } : {}),
    ...(input.resources ? { resources: input.resources } : {}),
    ...(input.max_lifetime !== undefined ? { maxLifetimeSeconds: input.max_lifetime } : {}),
  };
}
