import { createPublicKey, type KeyObject } from 'node:crypto';
import { base64url, calculateJwkThumbprint, type JWK } from 'jose';

/** The signing port: token code never knows whether a signature came from KMS or a local key. */
export interface Signer {
  /** Signs `payload` as a compact RS256 JWS; `alg` and `kid` are set by the signer. */
  sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string>;
  /** Every key validators should accept: the current one first, then next/previous generations. */
  publicJwks(): Promise<{ keys: PublicJwk[] }>;
}

export interface PublicJwk extends JWK {
  kty: 'RSA';
  kid: string;
  n: string;
  e: string;
  alg: 'RS256';
  use: 'sig';
}

/** RSA public key → JWK with kid = RFC 7638 thumbprint, so the kid follows the key material itself. */
export async function toPublicJwk(key: KeyObject): Promise<PublicJwk> {
  const jwk = key.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  if (jwk.kty !== 'RSA') throw new Error(`signing key must be RSA, got ${jwk.kty}`);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'sha256');
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
}

/** DER-encoded SubjectPublicKeyInfo (what KMS GetPublicKey returns) → JWK. */
export function publicJwkFromSpki(der: Uint8Array): Promise<PublicJwk> {
  return toPublicJwk(createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
}

const encoder = new TextEncoder();

/** Builds the JWS signing input (RFC 7515 §5.1) and appends the signature that `signBytes` produces. */
export async function compactJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  kid: string,
  signBytes: (input: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  const protectedHeader = base64url.encode(JSON.stringify({ ...header, alg: 'RS256', kid }));
  const body = base64url.encode(JSON.stringify(payload));
  const input = `${protectedHeader}.${body}`;
  const signature = await signBytes(encoder.encode(input));
  return `${input}.${base64url.encode(signature)}`;
}
