import { createHash } from 'node:crypto';
import { InvalidRequest } from '../errors.ts';

/** RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: an S256 challenge is the base64url SHA-256, always 43 characters. */
export const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 7636 §4.6: BASE64URL(SHA256(verifier)), which must equal the challenge stored with the code. The comparison is
 * a condition of the redemption's UpdateItem (store/codes.ts), so a wrong verifier never spends the code; comparing
 * SHA-256 outputs leaks nothing useful through timing (an attacker cannot steer the hash's prefix).
 */
export function s256Challenge(verifier: string): string {
  if (!VERIFIER.test(verifier)) throw new InvalidRequest('code_verifier is malformed (RFC 7636 §4.1).');
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
