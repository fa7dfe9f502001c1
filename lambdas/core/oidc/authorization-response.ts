/**
 * Builds the redirect back to the client (RFC 6749 §4.1.2 / §4.1.2.1) with `iss` (RFC 9207) and `state`.
 * Only ever called with a redirect URI that was validated against the client's registration.
 */
export function authorizationResponseUrl(
  redirectUri: string,
  params: Record<string, string | undefined>,
  issuer: string,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set('iss', issuer);
  return url.toString();
}

/**
 * The CSP `form-action` source that lets a hosted form's POST be answered with a redirect to `redirectUri` (Chromium
 * checks form-action on that redirect too): its origin, or its scheme for a private-use URI (RFC 8252 §7.1).
 */
export function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : url.protocol;
}
