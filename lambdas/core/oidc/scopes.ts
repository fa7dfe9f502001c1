import { InvalidScope } from '../errors.ts';

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export function parseScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}

/**
 * RFC 6749 §3.3: every requested scope must be known and allowed for the client; the granted scope is
 * returned in a stable order.
 */
export function checkScope(requested: string | undefined, allowed: string): string {
  const scopes = parseScope(requested);
  if (scopes.length === 0) throw new InvalidScope('The scope parameter is required (e.g. "openid profile email").');
  const allowedSet = new Set(parseScope(allowed));
  for (const s of scopes) {
    if (!(SUPPORTED_SCOPES as readonly string[]).includes(s)) throw new InvalidScope(`Unknown scope "${s}".`);
    if (!allowedSet.has(s)) throw new InvalidScope(`The client may not request the scope "${s}".`);
  }
  return SUPPORTED_SCOPES.filter((s) => scopes.includes(s)).join(' ');
}

/** RFC 6749 §6: a refresh may narrow the scope, never widen it. */
export function narrowScope(requested: string | undefined, granted: string): string {
  const scopes = parseScope(requested);
  // Absent or empty (`scope=`) both mean "the scope originally granted".
  if (scopes.length === 0) return granted;
  const grantedSet = new Set(parseScope(granted));
  for (const s of scopes)
    if (!grantedSet.has(s)) throw new InvalidScope(`The scope "${s}" was not granted originally.`);
  return parseScope(granted)
    .filter((s) => scopes.includes(s))
    .join(' ');
}

export function hasScope(scope: string, wanted: string): boolean {
  return parseScope(scope).includes(wanted);
}
