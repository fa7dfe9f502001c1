import { describe, expect, it } from 'vitest';
import { newRefreshToken } from '../../../lambdas/core/oidc/token-minting.ts';
import { createTestStore, ManualClock } from '../../support/store.ts';

describe('refresh rotation at the expiry second', () => {
  it('RFC 9700 §4.14.2: a token that expires during its rotation is invalid, not a reuse: the family survives', async () => {
    const clock = new ManualClock();
    const { store } = await createTestStore(clock);
    const now = Math.floor(clock.now() / 1000);
    const grant = {
      tenantId: 'acme',
      grantId: '5d1a6c0e-6c1f-4a57-9d0c-2a8c9f3b1e11',
      clientId: 'app',
      userId: 'u1',
      scope: 'openid offline_access',
      authTime: now,
      amr: ['hwk'],
      createdAt: now,
      expiresAt: now + 3600,
    };
    const raw = newRefreshToken(grant.grantId);
    const token = {
      tenantId: 'acme',
      grantId: grant.grantId,
      clientId: 'app',
      scope: grant.scope,
      state: 'active' as const,
    };
    await store.tokens.createGrant(grant, { raw, token: { ...token, expiresAt: now + 10 } });
    clock.advance(10); // its last instant: ttl = now
    const next = { raw: newRefreshToken(grant.grantId), token: { ...token, expiresAt: now + 100 } };
    expect(await store.tokens.rotateRefreshToken('acme', raw, next, 0)).toBe('expired');
    expect((await store.tokens.findGrant('acme', grant.grantId))?.revokedAt).toBeUndefined();
  });
});
