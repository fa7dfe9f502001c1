import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits of randomness, base64url: codes, refresh tokens, session ids, challenges. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A public, readable id: `prefix` + 16 characters of a-z0-9 (about 80 bits; the modulo bias of `% 36` on a byte is
 * irrelevant for an identifier that is not a secret). API keys (`key_`) and webhooks (`wh_`) use it.
 */
export function publicId(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `${prefix}${Array.from(randomBytes(16), (b) => alphabet[b % 36]).join('')}`;
}

/** SHA-256, base64url. Secrets are stored and looked up only by this hash (they are high-entropy). */
export function sha256(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time equality of two strings (compares their SHA-256 digests, so lengths may differ). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}
