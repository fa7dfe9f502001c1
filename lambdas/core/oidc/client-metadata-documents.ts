/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document), the way MCP clients identify
 * themselves (MCP authorization, 2025-11-25): the `client_id` is an https URL, and the JSON document at that URL is
 * the client's registration. A tenant turns it on (settings.clientIdMetadataDocuments: some hosts, or any); then a
 * client id URL is resolved here instead of being looked up among the registered clients:
 *
 * 1. the URL must be a Client Identifier URL (§3: https, a path, no dot segments, userinfo or fragment) of a host the
 *    tenant accepts;
 * 2. a cached copy (store/client-metadata-documents.ts) is used while fresh;
 * 3. otherwise the document is fetched through the SSRF guard of core/http/outbound.ts (public addresses only, pinned;
 *    §6.5), with a GET that follows no redirect (§5), must answer 200 with JSON (§4) within 5 KiB (§6.6) and one
 *    deadline;
 * 4. the document must name this very URL as its `client_id` (simple string comparison, §4), carry no secret (§4.1),
 *    and describe a public client of the authorization code grant whose redirect URIs pass the same rules as a
 *    registered client's (oidc/redirect-uris.ts);
 * 5. it is cached for as long as its Cache-Control allows, within [60 s, 24 h] (§5.2), and only when valid.
 *
 * What Keyway does not do yet: `private_key_jwt` (such a document is refused with a message that says so), logos
 * (`logo_uri` is never shown: it would need its own fetch and a CSP source), CORS for browser clients (their origins
 * are not added to the tenant's allow-list).
 */

import { epochSeconds } from '../clock.ts';
import { InvalidClient } from '../errors.ts';
import { checkOutboundUrl, type LookupAll, sendOutbound, type UrlPolicy } from '../http/outbound.ts';
import type { HttpRequest } from '../http/types.ts';
import { getConfig } from '../runtime-config.ts';
import { isMetadataDocumentClientId } from '../store/client-metadata-documents.ts';
import type { Client, GrantType } from '../store/clients.ts';
import type { Store } from '../store/store.ts';
import type { ClientIdMetadataDocumentsSetting, Tenant } from '../store/tenants.ts';
import { clientCredentials, verifyClient } from './client-auth.ts';
import { redirectUriProblem, webOrigins } from './redirect-uris.ts';
import { SUPPORTED_SCOPES } from './scopes.ts';

export { isMetadataDocumentClientId };

/** §6.6: the recommended most an authorization server reads of a document. */
export const MAX_DOCUMENT_BYTES = 5 * 1024;
/**
 * Client ids become parts of sort keys (a user's consent: `CONSENT#{client_id}`, at most 1024 bytes) and of the account
 * page's "Remove access" form (at most 256 characters, core/account/inputs.ts): a longer URL is refused before anything
 * else. The draft recommends short URLs anyway (§3).
 */
export const MAX_CLIENT_ID_URL_BYTES = 256;
/**
 * Cache lifetimes in seconds (§5.2: HTTP caching, within bounds of our own). The floor applies to `no-store`,
 * `no-cache` and `max-age=0` too: a sign-in reads the client at authorize, on the consent page and at the token
 * endpoint within a minute or so, and should fetch once; the ceiling makes a changed document count within a day.
 */
export const CACHE_SECONDS = { min: 60, default: 300, max: 86_400 } as const;

/** The grants a client of a metadata document may have: it is public, and it signs users in. */
const DOCUMENT_GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token'];
/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1): never in a document. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A registered client or a document's client; or why there is none, for the developers (never for a redirect). */
export type ClientLookup =
  | { readonly client: Client; readonly problem?: undefined }
  | { readonly client?: undefined; readonly problem: string };

/** How documents are fetched: the URL policy and deadline of the configuration, a DNS resolver for tests. */
export interface DocumentFetchOptions {
  readonly policy: UrlPolicy;
  readonly timeoutMs: number;
  readonly lookup?: LookupAll | undefined;
}

function configuredFetchOptions(): DocumentFetchOptions {
  const { urlPolicy, fetchTimeoutMs } = getConfig().clientIdMetadataDocuments;
  return { policy: urlPolicy, timeoutMs: fetchTimeoutMs };
}

/**
 * The client a request names: a registered one, or (a client id URL, on a tenant that accepts them) the one its
 * metadata document describes. Where there is none, `problem` says why: an unknown id, the setting off, a host not
 * accepted, a document that could not be fetched or is not valid.
 */
export async function lookUpClient(
  store: Store,
  tenant: Tenant,
  clientId: string,
  options: DocumentFetchOptions = configuredFetchOptions(),
): Promise<ClientLookup> {
  if (isMetadataDocumentClientId(clientId)) return documentClient(store, tenant, clientId, options);
  const client = await store.clients.findClient(tenant.id, clientId);
  return client ? { client } : { problem: `client_id "${clientId.slice(0, 100)}" is not a client of this tenant.` };
}

/** lookUpClient, without the reason (pages that only name the application, or show none). */
export async function findClientOf(store: Store, tenant: Tenant, clientId: string): Promise<Client | undefined> {
  return (await lookUpClient(store, tenant, clientId)).client;
}

/**
 * Client authentication (RFC 6749 §2.3) where the client may also be one described by its Client ID Metadata
 * Document, looked up as authorize does: revoke and pushed authorization requests.
 */
export async function authenticateAnyClient(req: HttpRequest, store: Store, tenant: Tenant): Promise<Client> {
  const credentials = clientCredentials(req);
  return verifyClient(credentials, await findClientOf(store, tenant, credentials.clientId), epochSeconds(store.clock));
}

/** The client of a client id URL, or `invalid_client` (RFC 6749 §5.2) saying why not: the token endpoint's lookup. */
export async function requireDocumentClient(store: Store, tenant: Tenant, url: string): Promise<Client> {
  const lookup = await documentClient(store, tenant, url, configuredFetchOptions());
  if (!lookup.client) throw new InvalidClient(lookup.problem);
  return lookup.client;
}

async function documentClient(
  store: Store,
  tenant: Tenant,
  url: string,
  options: DocumentFetchOptions,
): Promise<ClientLookup> {
  const shown = `client_id "${url.slice(0, 100)}"`;
  const setting = tenant.settings.clientIdMetadataDocuments;
  if (!setting)
    return {
      problem: `${shown} is a URL, and this tenant does not accept Client ID Metadata Documents (settings.clientIdMetadataDocuments is off).`,
    };
  const urlProblem = clientIdUrlProblem(url, options.policy);
  if (urlProblem) return { problem: `${shown} is not a Client Identifier URL Keyway fetches: ${urlProblem}` };
  const host = new URL(url).hostname;
  if (!hostAccepted(setting, host))
    return { problem: `The host ${host} is not one this tenant accepts Client ID Metadata Documents from.` };

  const cached = await store.clientMetadataDocuments.find(tenant.id, url);
  if (cached) return { client: cached.client };

  const fetched = await fetchMetadataDocument(url, options);
  if ('problem' in fetched) return { problem: `The metadata document at ${shown} ${fetched.problem}` };
  const now = epochSeconds(store.clock);
  const described = clientOfDocument(url, tenant.id, fetched.document, now);
  if (typeof described === 'string') return { problem: `The metadata document at ${shown} is not valid: ${described}` };
  await store.clientMetadataDocuments.put({
    client: described,
    fetchedAt: now,
    expiresAt: now + fetched.cacheSeconds,
  });
  return { client: described };
}

function hostAccepted(setting: ClientIdMetadataDocumentsSetting, host: string): boolean {
  return 'anyHttps' in setting ? setting.anyHttps : setting.hosts.includes(host);
}

/**
 * §3 Client Identifier URL: https (local mode: also http on loopback, where a client is developed), no userinfo, a
 * path without `.` or `..` segments, no fragment; a port and (discouraged) a query are allowed. The outbound rules of
 * core/http/outbound.ts (length, no whitespace, no internal-looking host) come on top. Undefined when acceptable.
 */
export function clientIdUrlProblem(url: string, policy: UrlPolicy): string | undefined {
  if (Buffer.byteLength(url) > MAX_CLIENT_ID_URL_BYTES) return `it is longer than ${MAX_CLIENT_ID_URL_BYTES} bytes.`;
  const outbound = checkOutboundUrl(url, policy);
  if (outbound) return outbound;
  // A backslash is a `/` to the URL parser (special schemes), so the split below would not see its segments.
  if (url.includes('\\')) return 'it must not contain a backslash.';
  // Judged as written: the URL parser would add a `/` path and resolve dot segments away.
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?/i.exec(url)?.[1];
  if (path === undefined) return 'it must have a path (such as https://app.example.com/client.json).';
  // `%2e` is a dot to the URL parser too (WHATWG URL, path state).
  const dotSegment = path.split('/').some((segment) => ['.', '..'].includes(segment.replace(/%2e/gi, '.')));
  if (dotSegment) return 'its path must not contain "." or ".." segments.';
  return undefined;
}

type Fetched = { readonly document: unknown; readonly cacheSeconds: number } | { readonly problem: string };

/** §5: GET, JSON asked for; anything but a complete 200 JSON answer within the limits is a problem, never retried. */
export async function fetchMetadataDocument(url: string, options: DocumentFetchOptions): Promise<Fetched> {
  const response = await sendOutbound(
    { url, method: 'GET', headers: { Accept: 'application/json' } },
    {
      policy: options.policy,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: MAX_DOCUMENT_BYTES,
      userAgent: 'Keyway-ClientMetadata/1',
      lookup: options.lookup,
    },
  );
  const { status } = response;
  switch (response.errorClass) {
    case 'invalid_url':
      return { problem: 'is at a URL Keyway does not fetch.' };
    case 'address_refused':
      return { problem: 'is on a private or special-use address; only public addresses are fetched (§6.5).' };
    case 'dns':
      return { problem: 'could not be fetched: the host does not resolve.' };
    case 'timeout':
      return { problem: `did not arrive within ${options.timeoutMs} ms.` };
    case 'connection':
      return { problem: 'could not be fetched (connection refused, reset or TLS failure).' };
    case 'redirect':
      return { problem: `answered with a redirect (${status}); redirects are not followed (§5).` };
    case 'response_too_large':
      return { problem: `is larger than ${MAX_DOCUMENT_BYTES} bytes (§6.6).` };
    case 'http_status':
      return { problem: `answered HTTP ${status}, not 200 (§5).` };
  }
  if (status !== 200) return { problem: `answered HTTP ${status}, not 200 (§5).` };
  const mediaType = String(response.headers?.['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.!#$&^_-]+\+json$/.test(mediaType))
    return { problem: `is not served as JSON (Content-Type "${mediaType.slice(0, 60)}", §4).` };
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
  } catch {
    return { problem: 'is not valid JSON (§4).' };
  }
  return {
    document,
    cacheSeconds: cacheSeconds(headerValue(response.headers?.['cache-control']), headerValue(response.headers?.age)),
  };
}

/**
 * How long a fetched document is used (§5.2, RFC 9111 §5.2.2): `max-age` less the response's `Age`, within
 * CACHE_SECONDS; `no-store`, `no-cache` and a stale answer get the floor, no freshness information the default.
 */
export function cacheSeconds(cacheControl: string | undefined, age: string | undefined): number {
  const directives = new Map<string, string>();
  for (const part of (cacheControl ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (name) directives.set(name.toLowerCase(), (value ?? '').replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache')) return CACHE_SECONDS.min;
  const maxAge = directives.get('max-age');
  if (maxAge === undefined || !/^\d+$/.test(maxAge)) return CACHE_SECONDS.default;
  const elapsed = age !== undefined && /^\d+$/.test(age.trim()) ? Number(age.trim()) : 0;
  return Math.min(CACHE_SECONDS.max, Math.max(CACHE_SECONDS.min, Number(maxAge) - elapsed));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Shown on the consent page: no control or format characters (line breaks, bidi overrides that reorder the text). */
const DISPLAY_NAME = /^[^\p{Cc}\p{Cf}]{1,100}$/u;

/**
 * The client a fetched document describes (§4, RFC 7591 §2 metadata), or what is wrong with it. Keyway's own client
 * extensions (first_party, audience, token_exchange, lifetimes, …) are not read from a document: a client cannot
 * grant itself what only the tenant's administrators may.
 */
export function clientOfDocument(url: string, tenantId: string, document: unknown, now: number): Client | string {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return 'it is not a JSON object.';
  const doc = document as Record<string, unknown>;
  if (doc.client_id !== url)
    return typeof doc.client_id === 'string'
      ? `its client_id "${doc.client_id.slice(0, 100)}" is not the URL it was fetched from (compared exactly, §4).`
      : 'it has no client_id (§4).';
  if ('client_secret' in doc || 'client_secret_expires_at' in doc)
    return 'it must not contain client_secret or client_secret_expires_at (§4.1).';
  const method = doc.token_endpoint_auth_method;
  if (method === 'private_key_jwt')
    return 'token_endpoint_auth_method private_key_jwt is not supported yet: Keyway accepts documents of public clients only (token_endpoint_auth_method none or absent).';
  if (method !== undefined && method !== 'none')
    return `token_endpoint_auth_method ${JSON.stringify(method).slice(0, 60)} is not allowed: no shared secret can be established with a document (§4.1); use none.`;
  const privateKey = privateKeyProblem(doc.jwks);
  if (privateKey) return privateKey;

  const redirectUris = uriList(doc.redirect_uris, 'redirect_uris', true);
  if (typeof redirectUris === 'string') return redirectUris;
  const postLogoutRedirectUris = uriList(doc.post_logout_redirect_uris, 'post_logout_redirect_uris', false);
  if (typeof postLogoutRedirectUris === 'string') return postLogoutRedirectUris;

  const grantTypes = doc.grant_types ?? ['authorization_code'];
  if (
    !Array.isArray(grantTypes) ||
    !grantTypes.every((g) => DOCUMENT_GRANT_TYPES.includes(g)) ||
    !grantTypes.includes('authorization_code')
  )
    return 'grant_types must be authorization_code, optionally with refresh_token.';
  const responseTypes = doc.response_types ?? ['code'];
  if (!Array.isArray(responseTypes) || !responseTypes.every((r) => r === 'code'))
    return 'response_types must be ["code"].';

  const scope = doc.scope ?? SUPPORTED_SCOPES.join(' ');
  if (
    typeof scope !== 'string' ||
    scope.length > 500 ||
    !scope.split(' ').every((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s))
  )
    return `scope must be space-separated scopes among: ${SUPPORTED_SCOPES.join(' ')}.`;

  const name = typeof doc.client_name === 'string' ? doc.client_name.trim() : undefined;
  if (doc.client_name !== undefined && (name === undefined || !DISPLAY_NAME.test(name)))
    return 'client_name must be 1 to 100 characters without control or format characters.';

  return {
    tenantId,
    clientId: url,
    clientName: name ?? new URL(url).host,
    redirectUris,
    postLogoutRedirectUris,
    grantTypes: [...new Set(grantTypes as GrantType[])],
    tokenEndpointAuthMethod: 'none',
    scope,
    firstParty: false,
    // A document cannot name the tenant's resource servers (RFC 8707): its tokens are for itself only.
    resources: [],
    fromMetadataDocument: true,
    allowedOrigins: webOrigins(redirectUris),
    issuedAt: now,
  };
}

/** At most 20 URIs, each as a registered client's would be checked (oidc/redirect-uris.ts). */
function uriList(value: unknown, field: string, required: boolean): string[] | string {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0) || value.length > 20)
    return `${field} must be a list of 1 to 20 URIs${required ? ' (required)' : ''}.`;
  for (const uri of value) {
    if (typeof uri !== 'string') return `${field} must contain only strings.`;
    const problem = redirectUriProblem(uri);
    if (problem) return `${field}: ${uri.slice(0, 100)} ${problem}.`;
  }
  return [...new Set(value as string[])];
}

/** §4.1: only public keys may be published. */
function privateKeyProblem(jwks: unknown): string | undefined {
  if (jwks === undefined) return undefined;
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return 'jwks must be a JWK Set ({"keys": [...]}).';
  const isPrivate = (key: unknown) =>
    typeof key === 'object' && key !== null && PRIVATE_JWK_MEMBERS.some((member) => member in key);
  return keys.some(isPrivate) ? 'jwks must not contain private or symmetric key material (§4.1).' : undefined;
}
