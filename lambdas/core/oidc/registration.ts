/**
 * Dynamic client registration (RFC 7591) and client management (RFC 7592): the metadata the registration endpoint
 * takes, the bounds of the initial access token (or of open registration) it is held to, the client information
 * response, and the audited transaction a registration, an update or a deletion commits as.
 */
import * as z from 'zod/mini';
import { ClientMetadata, clientJson } from '../admin/clients.ts';
import { INITIAL_ACCESS_TOKEN_PATTERN } from '../admin/initial-access-tokens.ts';
import { safeEqual, sha256 } from '../crypto.ts';
import { InvalidClientMetadata, InvalidRedirectUri, InvalidToken, type KeywayError } from '../errors.ts';
import type { EventInput } from '../events/catalog.ts';
import type { HttpRequest } from '../http/types.ts';
import { issuerOf } from '../issuer.ts';
import type { AuditInput } from '../store/audit-log.ts';
import type { Client } from '../store/clients.ts';
import {
  type InitialAccessToken,
  type RegistrationConstraints,
  UNUSABLE_INITIAL_ACCESS_TOKEN,
  unusableReason,
} from '../store/initial-access-tokens.ts';
import type { Store } from '../store/store.ts';
import type { TransactionPart } from '../store/transaction.ts';

const m = ClientMetadata.shape;

/**
 * What a registration may set: the RFC 7591 §2 fields, with the admin API's validation and defaults. Keyway's own
 * extensions (first_party, audience, resources, token exchange, lifetimes) are the administrator's to set; sent
 * here they are ignored like any unknown field (§2), and `first_party` comes from the token's constraints.
 */
export const RegistrationMetadata = z.object({
  redirect_uris: m.redirect_uris,
  post_logout_redirect_uris: m.post_logout_redirect_uris,
  grant_types: m.grant_types,
  response_types: m.response_types,
  token_endpoint_auth_method: m.token_endpoint_auth_method,
  client_name: m.client_name,
  scope: m.scope,
  // RFC 9126 §6: registrable client metadata (a client may only make itself stricter).
  require_pushed_authorization_requests: m.require_pushed_authorization_requests,
});
export type RegistrationMetadata = z.infer<typeof RegistrationMetadata>;

/**
 * RFC 7592 §2.2: an update replaces the metadata (omitted fields go back to their defaults) and names the client;
 * a `client_secret`, when sent, must be the current one. The response-only fields (`registration_access_token`,
 * `registration_client_uri`, `client_secret_expires_at`, `client_id_issued_at`) are ignored.
 */
export const RegistrationUpdate = z.object({
  ...RegistrationMetadata.shape,
  client_id: z.string().check(z.maxLength(200)),
  client_secret: z.optional(z.string().check(z.maxLength(200))),
});

/** Open registration (a tenant setting): public, third-party clients only, with no further bounds. */
export const OPEN_REGISTRATION: RegistrationConstraints = {
  firstParty: false,
  publicOnly: true,
  // Sign-in in the user's browser only: no device flow, whose page shows an anonymous client's name alone.
  grantTypes: ['authorization_code', 'refresh_token'],
};

/** The Bearer token of `Authorization` (RFC 6750 §2.1), if any. */
export function bearerToken(req: HttpRequest): string | undefined {
  return /^Bearer ([\x21-\x7e]+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

/**
 * The usable initial access token presented to the registration endpoint of `tenantId`, or a 401 invalid_token
 * (RFC 6750 §3.1): missing, malformed, unknown here (another tenant's is unknown), wrong secret, revoked, expired or
 * used up all read the same. Its use is counted later, in the registration's transaction (spendPart).
 */
export async function requireInitialAccessToken(
  req: HttpRequest,
  store: Store,
  tenantId: string,
  now: number,
): Promise<InitialAccessToken> {
  const presented = bearerToken(req);
  if (!presented)
    throw new InvalidToken('Registration needs an initial access token from the tenant (Authorization: Bearer ...).');
  const tokenId = INITIAL_ACCESS_TOKEN_PATTERN.exec(presented)?.[1];
  const token = tokenId ? await store.initialAccessTokens.findToken(tenantId, tokenId) : undefined;
  if (!token || !safeEqual(sha256(presented), token.secretHash) || unusableReason(token, now) !== undefined)
    throw new InvalidToken(UNUSABLE_INITIAL_ACCESS_TOKEN);
  return token;
}

const CLIENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The client named by the path of the client configuration endpoint, if the request carries its registration
 * access token (RFC 7592 §2); anything else is a 401 invalid_token, an unknown client included (§2.1), so the answer
 * never tells whether a client id exists. Read strongly consistently: updates condition on what was read.
 */
export async function requireRegisteredClient(
  req: HttpRequest,
  store: Store,
  tenantId: string,
): Promise<{ client: Client; accessToken: string }> {
  const presented = bearerToken(req);
  if (!presented) throw new InvalidToken('The registration access token is required (Authorization: Bearer ...).');
  const clientId = req.params.clientId ?? '';
  const client = CLIENT_ID.test(clientId) ? await store.clients.findClient(tenantId, clientId, true) : undefined;
  if (!client?.registration || !safeEqual(sha256(presented), client.registration.accessTokenHash))
    throw new InvalidToken('The registration access token is not valid for this client.');
  return { client, accessToken: presented };
}

/** The registration body: a JSON object (RFC 7591 §3.1), else invalid_client_metadata. */
export function registrationBody(req: HttpRequest): Record<string, unknown> {
  const body = req.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidClientMetadata('Send the client metadata as a JSON object (Content-Type: application/json).');
  return body as Record<string, unknown>;
}

/** Does every redirect URI have an allowed host? Private-use schemes have none, so they are not allowed then. */
function redirectHostProblem(uris: readonly string[], hosts: readonly string[]): string | undefined {
  for (const uri of uris) {
    const url = new URL(uri);
    const host = url.hostname.toLowerCase();
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !hosts.includes(host))
      return `${uri}: the initial access token allows redirect URIs on ${hosts.join(', ')} only`;
  }
  return undefined;
}

/** What the metadata does outside the registration's bounds (invalid_redirect_uri or invalid_client_metadata). */
export function constraintsProblem(
  metadata: RegistrationMetadata,
  constraints: RegistrationConstraints,
): KeywayError | undefined {
  if (constraints.publicOnly && metadata.token_endpoint_auth_method !== 'none')
    return new InvalidClientMetadata(
      'token_endpoint_auth_method: open registration registers public clients only (none); confidential clients need an initial access token.',
    );
  if (constraints.allowedRedirectHosts) {
    const problem = redirectHostProblem(
      [...metadata.redirect_uris, ...metadata.post_logout_redirect_uris],
      constraints.allowedRedirectHosts,
    );
    if (problem) return new InvalidRedirectUri(problem);
  }
  const allowed = constraints.grantTypes;
  const refused = allowed ? metadata.grant_types.filter((g) => !allowed.includes(g)) : [];
  if (refused.length > 0)
    return new InvalidClientMetadata(
      `grant_types: ${refused.join(', ')} not allowed by the initial access token (allowed: ${allowed?.join(', ')}).`,
    );
  return undefined;
}

/** RFC 7592 §1.2: where the client reads, updates and deletes its registration. */
export function registrationClientUri(req: HttpRequest, client: Client): string {
  return `${issuerOf(req, client.tenantId)}/register/${client.clientId}`;
}

/**
 * The client information response (RFC 7591 §3.2.1, RFC 7592 §3): every registered field, the client secret only
 * when just issued (it is stored as a hash, so a read cannot return it), the configuration endpoint and the
 * registration access token (the one just issued, or the one the request presented: it is not rotated).
 */
export function clientInformation(
  req: HttpRequest,
  client: Client,
  options: { readonly accessToken: string; readonly secret?: string | undefined },
) {
  return {
    ...clientJson(client),
    ...(options.secret !== undefined ? { client_secret: options.secret } : {}),
    ...(client.tokenEndpointAuthMethod !== 'none' ? { client_secret_expires_at: 0 } : {}),
    registration_client_uri: registrationClientUri(req, client),
    registration_access_token: options.accessToken,
  };
}

/**
 * A change through the registration endpoints as one transaction: its writes, its audit entry (the actor is the
 * credential: `iat:{tokenId}`, `open_registration` or `client:{clientId}`), its events, and the tenant's existence,
 * as the admin API commits its changes (core/admin/endpoint.ts). No secret reaches the entry or the events.
 */
export function auditedChange(
  store: Store,
  req: HttpRequest,
  tenantId: string,
  nowMs: number,
  change: {
    readonly parts: readonly TransactionPart[];
    readonly actor: string;
    readonly audit: Omit<AuditInput, 'actor' | 'traceId' | 'idempotencyKey'>;
    readonly events: readonly EventInput[];
  },
): TransactionPart[] {
  return [
    ...change.parts,
    store.auditLog.appendEntry(tenantId, { ...change.audit, actor: change.actor, traceId: req.traceId }, nowMs),
    ...store.events.emitAll(tenantId, change.events, nowMs),
    store.tenants.requireTenantPart(tenantId),
  ];
}
