import { createHash, createHmac } from 'node:crypto';
import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import type { Config } from '../config.ts';

/** A credential descriptor as sent in `allowCredentials`. */
export interface AllowedCredential {
  readonly id: string;
  readonly transports?: AuthenticatorTransportFuture[];
}

/** Lengths real platform and roaming authenticators commonly use for credential ids, in bytes. */
const ID_LENGTHS = [16, 20, 32] as const;
const TRANSPORTS: AuthenticatorTransportFuture[][] = [['hybrid', 'internal'], ['internal'], ['hybrid', 'internal']];

/**
 * The per-deployment key for decoys. It is derived from the operator key's hash (secret, stable across every
 * function and cold start of one deployment), so a decoy cannot be predicted from the outside and an unknown
 * email gets the same decoys on every request: asking twice does not tell a real account from a made-up one.
 */
export function decoyKeyOf(config: Pick<Config, 'adminKeySha256'>): Buffer {
  return createHash('sha256')
    .update(`keyway:decoy-credentials:${config.adminKeySha256 ?? 'unset'}`)
    .digest();
}

/**
 * Plausible `allowCredentials` for an email that has no account (no user enumeration): one or two credential ids
 * of real-looking lengths, derived deterministically from the tenant and the email with an HMAC.
 */
export function decoyCredentials(key: Buffer, tenantId: string, email: string): AllowedCredential[] {
  const seed = createHmac('sha256', key).update(`${tenantId}\n${email}`).digest();
  const count = 1 + (seed[0]! % 2);
  return Array.from({ length: count }, (_, i) => {
    const bytes = createHmac('sha256', key).update(`${tenantId}\n${email}\n${i}`).digest();
    const length = ID_LENGTHS[bytes[0]! % ID_LENGTHS.length]!;
    return {
      id: bytes.subarray(0, length).toString('base64url'),
      transports: [...TRANSPORTS[bytes[1]! % TRANSPORTS.length]!],
    };
  });
}
