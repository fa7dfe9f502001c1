import type { HttpRequest } from '../http/types.ts';

/** The SSO session of one tenant; path-scoped so tenant A's session is never sent to tenant B. */
export const SESSION_COOKIE = 'kw_session';
/** Binds a pending interaction to the browser that started it. */
export const BROWSER_COOKIE = 'kw_browser';

function isLocalhost(baseUrl: string): boolean {
  const { protocol, hostname } = new URL(baseUrl);
  return protocol === 'http:' && (hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]');
}

/** `/{stage?}/{tenantId}` — the tenant's issuer path. */
export function tenantCookiePath(req: HttpRequest, tenantId: string): string {
  return `${new URL(req.baseUrl).pathname.replace(/\/$/, '')}/${tenantId}`;
}

export function serializeCookie(
  req: HttpRequest,
  tenantId: string,
  name: string,
  value: string,
  maxAgeSeconds: number,
): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${tenantCookiePath(req, tenantId)}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  // Browsers treat http://localhost as a secure context but refuse Secure cookies over plain http elsewhere.
  if (!isLocalhost(req.baseUrl)) parts.push('Secure');
  return parts.join('; ');
}

export function clearCookie(req: HttpRequest, tenantId: string, name: string): string {
  return serializeCookie(req, tenantId, name, '', 0);
}
