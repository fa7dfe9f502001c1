import { randomBytes } from 'node:crypto';

/**
 * A tenant id is the first path segment of its issuer (`{base}/{tenantId}`), so it must never collide with a
 * fixed route or a well-known name a browser or crawler asks for.
 */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set([
  'admin',
  '.well-known',
  'well-known',
  'assets',
  'static',
  'health',
  'healthz',
  'api',
  'oauth',
  'oauth2',
  'oidc',
  'login',
  'logout',
  'signin',
  'signup',
  'demo',
  'callback',
  'favicon.ico',
  'robots.txt',
  'www',
  'keyway',
  'status',
  'docs',
]);

export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/;

export function tenantIdProblem(id: string): string | undefined {
  if (!TENANT_ID_PATTERN.test(id))
    return 'A tenant id is 3-40 characters of a-z, 0-9 and "-", starting and ending with a letter or digit.';
  if (RESERVED_TENANT_IDS.has(id)) return `The tenant id "${id}" is reserved.`;
  return undefined;
}

/** Random tenant id: 't' + 11 base32 characters (55 bits). */
export function generateTenantId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(11);
  let id = 't';
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}
