/**
 * Redirect URI rules. Registration (RFC 7591 §2, RFC 8252 §7, OAuth 2.1 §2.3.1): absolute, no fragment;
 * https anywhere, http only on loopback, or a private-use scheme (reverse domain, RFC 8252 §7.1).
 * Matching (OAuth 2.1 §4.1.3): exact string comparison, except that native apps on the loopback IP
 * literals may use any port (RFC 8252 §7.3) — not `localhost`, which can be re-pointed.
 */
const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);
const LOOPBACK_HOSTS = new Set(['localhost', ...LOOPBACK_IPS]);

/** Longer URIs are refused at registration (browsers and proxies truncate long Location headers anyway). */
const MAX_URI_LENGTH = 2000;

export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_URI_LENGTH) return `must be at most ${MAX_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || uri.includes('#')) return 'must not contain a fragment';
  // Matching is exact (RFC 9700 §4.1.3): a wildcard would never match, and userinfo in a redirect is a phishing aid.
  if (uri.includes('*')) return 'must not contain a wildcard (redirect URIs are matched exactly)';
  if (url.username || url.password) return 'must not contain userinfo (user:password@)';
  // The WHATWG parser turns `https:///cb` into host "cb": judge the authority as written.
  if ((url.protocol === 'https:' || url.protocol === 'http:') && !/^https?:\/\/[^/?#]/i.test(uri))
    return 'must have a host';
  if (url.hostname.length > 253) return 'must have a host name of at most 253 characters';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : 'must use https (http only on loopback)';
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return undefined;
  return 'must be https, http on loopback, or a private-use scheme such as com.example.app:/callback';
}

export function matchesRegisteredRedirectUri(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_IPS.has(url.hostname)) return false;
  return registered.some((r) => {
    const reg = new URL(r);
    if (reg.protocol !== 'http:' || reg.hostname !== url.hostname) return false;
    reg.port = url.port;
    return reg.toString() === url.toString();
  });
}

/** Web origins of the http(s) redirect URIs: the CORS allow-list for browser clients. */
export function webOrigins(uris: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const uri of uris) {
    const url = new URL(uri);
    if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
  }
  return [...origins];
}
