import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { Signer } from '../signer/signer.ts';
import type { Client } from '../store/clients.ts';
import type { Store } from '../store/store.ts';
import type { Grant } from '../store/tokens.ts';
import type { User } from '../store/users.ts';
import { grantIdOfJti, isClientJti } from './token-minting.ts';

/** RFC 8693 §4.1: who acts, and (nested) who acted before them. */
export interface ActClaim {
  readonly sub: string;
  readonly act?: ActClaim;
}

type Claims = JWTPayload & { client_id?: string; scope?: string; tenant_id?: string; jti: string; act?: ActClaim };

/** A live access token: a user's (from a token family) or a client's own (client_credentials). */
export type ActiveAccessToken =
  | { readonly subject: 'user'; readonly claims: Claims; readonly grant: Grant; readonly user: User }
  | { readonly subject: 'client'; readonly claims: Claims; readonly client: Client };

let keySet: { jwks: unknown; verify: ReturnType<typeof createLocalJWKSet> } | undefined;

/** Our own tokens are verified against our own public keys, in memory: no network, no KMS call. */
export async function localKeySet(signer: Signer) {
  const jwks = await signer.publicJwks();
  if (keySet?.jwks !== jwks) keySet = { jwks, verify: createLocalJWKSet(jwks) };
  return keySet.verify;
}

/**
 * Verifies an access token issued by this tenant: RS256 signature by one of our keys, `typ: at+jwt`
 * (RFC 9068 §4), issuer = this tenant (tokens of other tenants fail here), not expired, and — one
 * BatchGetItem — its family and the token itself not revoked (RFC 7009), its client not deleted, its user neither
 * deleted nor suspended; for a delegated token (token exchange), every link of its chain too (a second one).
 */
export async function verifyAccessToken(
  token: string,
  input: { signer: Signer; store: Store; issuer: string; tenantId: string; now: number },
): Promise<ActiveAccessToken | undefined> {
  let claims: ActiveAccessToken['claims'];
  try {
    const { payload } = await jwtVerify(token, await localKeySet(input.signer), {
      issuer: input.issuer,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: new Date(input.now * 1000),
    });
    claims = payload as ActiveAccessToken['claims'];
  } catch {
    return undefined;
  }
  if (claims.tenant_id !== input.tenantId) return undefined;
  if (typeof claims.client_id !== 'string' || typeof claims.sub !== 'string') return undefined;
  if (isClientJti(claims.jti)) {
    // A client's own token: alive while the client exists and the token was not revoked (RFC 7009).
    if (claims.sub !== claims.client_id) return undefined;
    const client = await input.store.liveClientToken(input.tenantId, claims.client_id, claims.jti);
    return client ? { subject: 'client', claims, client } : undefined;
  }
  const grantId = grantIdOfJti(claims.jti);
  if (!grantId) return undefined;
  const live = await input.store.liveGrant(input.tenantId, {
    grantId,
    clientId: claims.client_id,
    userId: claims.sub,
    jti: claims.jti,
  });
  if (!live) return undefined;
  // A delegated token (RFC 8693) lives only while its whole chain does: one more BatchGetItem.
  if (live.grant.delegation && !(await input.store.liveDelegation(input.tenantId, live.grant.delegation)))
    return undefined;
  return { subject: 'user', claims, ...live };
}
