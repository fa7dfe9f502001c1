import { createHash } from 'node:crypto';
import { safeEqual } from '../crypto.ts';
import { InvalidGrant, InvalidRequest } from '../errors.ts';

/** RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: an S256 challenge is the base64url SHA-256, always 43 characters. */
export const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) must equal the challenge stored with the code. */
export function checkPkce(verifier: string | undefined, challenge: string): void {
  if (!verifier) throw new InvalidRequest('code_verifier is required (PKCE, RFC 7636).');
  if (!VERIFIER.test(verifier)) throw new InvalidRequest('code_verifier is malformed (RFC 7636 §4.1).');
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (!safeEqual(computed, challenge)) throw new InvalidGrant('The code_verifier does not match the code_challenge.');
}
