import { InvalidScope, InvalidTarget } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import type { Client } from '../store/clients.ts';
import type { Resource } from '../store/resources.ts';
import type { Store } from '../store/store.ts';
import { parseScope, SUPPORTED_SCOPES } from './scopes.ts';

/**
 * RFC 8707 resource indicators. Keyway issues each access token for one audience, so a request names at most one
 * `resource`; the token's `aud` is that resource's identifier and its API scopes are the resource's.
 */

/** RFC 3986 §2: only unreserved, reserved and percent-encoded characters (no spaces, controls or non-ASCII). */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
/** RFC 8141 §2: `urn:` NID `:` NSS. */
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:\S+$/;

/**
 * Why `identifier` cannot name a resource server (RFC 8707 §2: an absolute URI without a fragment), or undefined:
 * `https:` with a host (no userinfo), `http:` only on `localhost` or `127.0.0.1`, or a `urn:`. The identifier is
 * compared byte for byte (it becomes `aud`), so it is kept exactly as given, never normalized.
 */
export function resourceIdentifierProblem(identifier: string): string | undefined {
  if (!URI_CHARACTERS.test(identifier))
    return 'must be an absolute URI (RFC 3986 characters only: percent-encode spaces and non-ASCII)';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(identifier)) return 'must be an absolute URI with a scheme (RFC 8707 §2)';
  if (identifier.includes('#')) return 'must not have a fragment (RFC 8707 §2)';
  if (identifier.startsWith('urn:'))
    return URN.test(identifier) ? undefined : 'must be a URN of the form urn:<namespace>:<name> (RFC 8141)';
  const scheme = /^(https?):\/\/([^/?]*)/.exec(identifier);
  if (!scheme) return 'must use https: (http: only on localhost or 127.0.0.1), or be a urn: (schemes in lower case)';
  const authority = scheme[2] ?? '';
  if (authority === '') return 'must have a host';
  if (authority.includes('@')) return 'must not carry userinfo (credentials)';
  let host: string;
  try {
    host = new URL(identifier).hostname;
  } catch {
    return 'must be an absolute URI with a valid host and port';
  }
  if (scheme[1] === 'http' && host !== 'localhost' && host !== '127.0.0.1')
    return 'must use https: (http: only on localhost or 127.0.0.1)';
  return undefined;
}

/** RFC 8707 §2, as a resource is registered: what the admin API accepts, and so the only identifiers that can match. */
export function isResourceIdentifier(value: string): boolean {
  return value.length <= 2000 && resourceIdentifierProblem(value) === undefined;
}

/** The `resource` of a request (form or query), refusing more than one. */
export function requestedResource(req: HttpRequest, params: Readonly<Record<string, string>>): string | undefined {
  if (req.repeated.includes('resource'))
    throw new InvalidTarget('Ask for one resource per request: each access token is issued for one audience.');
  return params.resource;
}

/**
 * The registered resource a request names, if this client may ask for it: malformed, unknown to the tenant, or not in
 * the client's `resources` are each `invalid_target` (RFC 8707 §2).
 */
export async function resolveResource(
  store: Store,
  client: Client,
  identifier: string | undefined,
): Promise<Resource | undefined> {
  if (identifier === undefined) return undefined;
  if (!isResourceIdentifier(identifier))
    throw new InvalidTarget('The resource must be an absolute URI without a fragment (RFC 8707 §2).');
  const resource = await store.resources.findByIdentifier(client.tenantId, identifier);
  if (!resource) throw new InvalidTarget(`The resource "${identifier}" is not registered with this tenant.`);
  if (client.resources !== undefined && !client.resources.includes(identifier))
    throw new InvalidTarget(`The client may not request tokens for the resource "${identifier}".`);
  return resource;
}

/**
 * The resource a grant was issued for, which must still be registered (a deleted API gets no new tokens) and still
 * allowed for the client (its `resources` may have changed since).
 */
export async function grantResource(store: Store, client: Client, identifier: string | undefined) {
  if (identifier === undefined) return undefined;
  if (client.resources !== undefined && !client.resources.includes(identifier))
    throw new InvalidTarget(`The client may no longer request tokens for the resource "${identifier}".`);
  const resource = await store.resources.findByIdentifier(client.tenantId, identifier);
  if (!resource) throw new InvalidTarget(`The resource "${identifier}" is no longer registered.`);
  return resource;
}

/**
 * At the token endpoint a `resource` may only repeat what was authorized (RFC 8707 §2.2: it narrows, and with one
 * audience per grant narrowing means the same one).
 */
export function checkSameResource(requested: string | undefined, granted: string | undefined): void {
  if (requested === undefined || requested === granted) return;
  throw new InvalidTarget(
    granted === undefined
      ? 'This grant was not issued for a resource; request one at authorization.'
      : `This grant was issued for "${granted}" only.`,
  );
}

/**
 * RFC 6749 §3.3 with a resource: OpenID scopes as before (registered for the client, its `scope`); any other scope
 * must be one of the resource's — a client that may use the resource (its `resources`) may ask for its scopes. Returns
 * the granted scope: OpenID scopes first, then the resource's, each in a stable order.
 */
export function checkResourceScope(requested: string | undefined, client: Client, resource: Resource): string {
  const scopes = parseScope(requested);
  if (scopes.length === 0) throw new InvalidScope('The scope parameter is required (e.g. "openid profile email").');
  const allowed = new Set(parseScope(client.scope));
  for (const s of scopes) {
    if ((SUPPORTED_SCOPES as readonly string[]).includes(s)) {
      if (!allowed.has(s)) throw new InvalidScope(`The client may not request the scope "${s}".`);
    } else if (!resource.scopes.includes(s))
      throw new InvalidScope(`The resource "${resource.identifier}" has no scope "${s}".`);
  }
  return [
    ...SUPPORTED_SCOPES.filter((s) => scopes.includes(s)),
    ...resource.scopes.filter((s) => scopes.includes(s)),
  ].join(' ');
}
