import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import type { Store } from '../../lambdas/core/store/store.ts';

/*
 * Fixtures shared by the tests and the bench (which runs outside vitest, so nothing here imports it).
 */

/** An RFC 7636 S256 verifier and its challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** RFC 6749 §2.3.1 client_secret_basic: both parts form-urlencoded, then base64. */
export function basicCredentials(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/**
 * A user with a passkey and a live SSO session, written through the store (no WebAuthn ceremony): what the tests
 * and the bench need before authorize can answer with a code.
 */
export async function seedSignedInUser(
  store: Store,
  tenantId: string,
  options: { email?: string; sessionTtlSeconds?: number } = {},
): Promise<{ userId: string; email: string; cookie: string }> {
  const userId = randomUUID();
  const email = options.email ?? `${userId}@example.com`;
  const now = Math.floor(Date.now() / 1000);
  await store.users.createUserWithPasskey(
    {
      tenantId,
      userId,
      email,
      emailVerified: false,
      givenName: 'Ada',
      familyName: 'Lovelace',
      roles: ['user'],
      createdAt: now,
    },
    {
      tenantId,
      credentialId: randomBytes(16).toString('base64url'),
      userId,
      publicKey: randomBytes(77).toString('base64url'),
      counter: 0,
      deviceType: 'multiDevice',
      backedUp: true,
      createdAt: now,
    },
  );
  const sid = await store.sessions.createSession(
    { tenantId, userId, authTime: now, amr: ['hwk', 'user'] },
    options.sessionTtlSeconds ?? 3600,
  );
  return { userId, email, cookie: `${SESSION_COOKIE}=${sid}` };
}
