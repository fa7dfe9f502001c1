import { createHmac } from 'node:crypto';
import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';

/** A credential descriptor as sent in `allowCredentials`. */
export interface AllowedCredential {
  readonly id: string;
  readonly transports?: AuthenticatorTransportFuture[];
}

/** Lengths real platform and roaming authenticators commonly use for credential ids, in bytes. */
const ID_LENGTHS = [16, 20, 32] as const;
const TRANSPORTS: AuthenticatorTransportFuture[][] = [['hybrid', 'internal'], ['internal'], ['hybrid', 'internal']];

/**
 * Plausible `allowCredentials` for an email that has no account (no user enumeration): one or two credential ids
 * of real-looking lengths, derived deterministically from the email with an HMAC under the tenant's secret decoy
 * key (TenantRepository.decoyKey): an unknown email gets the same decoys on every request, and nobody outside can
 * compute them to tell a decoy from a real credential.
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
