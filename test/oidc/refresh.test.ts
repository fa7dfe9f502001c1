import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { basicAuth, getCode, redeem, setupTenant, signedInUser, tokenRequest } from '../support/oidc.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

async function session(settings: Record<string, unknown> = {}) {
  const ctx = await setupTenant(keyway, settings);
  const user = await signedInUser(keyway, ctx.tenantId);
  const { code, verifier } = await getCode(keyway, ctx, user.cookie);
  const { body } = await redeem(keyway, ctx, code, verifier);
  const refresh = (token: string, extra: Record<string, string> = {}) =>
    tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: token, ...extra },
      { Authorization: basicAuth(ctx.client) },
    );
  return { ctx, tokens: body as Record<string, string>, refresh };
}

describe('refresh_token grant', () => {
  it('OAuth 2.1 §4.3.1: rotates the refresh token on every use', async () => {
    const { tokens, refresh } = await session();
    const first = await refresh(tokens.refresh_token!);
    expect(first.res.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.body.id_token).toBeDefined();
    const second = await refresh(first.body.refresh_token as string);
    expect(second.res.status).toBe(200);
  });

  it('Security BCP §4.14.2: a rotated token presented outside the grace window revokes the whole family', async () => {
    const { ctx, tokens, refresh } = await session({ refreshGraceSeconds: 0 });
    const rotated = await refresh(tokens.refresh_token!);
    expect(rotated.res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const reuse = await refresh(tokens.refresh_token!);
    expect(reuse.res.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    // The newest token of the family is dead too, and so are its access tokens.
    const newest = await refresh(rotated.body.refresh_token as string);
    expect(newest.body.error).toBe('invalid_grant');
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${rotated.body.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('inside the grace window, re-presenting the just-rotated token yields a fresh pair (two tabs, retries)', async () => {
    const { tokens, refresh } = await session({ refreshGraceSeconds: 10 });
    const [a, b] = await Promise.all([refresh(tokens.refresh_token!), refresh(tokens.refresh_token!)]);
    expect(a.res.status).toBe(200);
    expect(b.res.status).toBe(200);
    expect(a.body.refresh_token).not.toBe(b.body.refresh_token);
    // Both successors work: the family was not revoked.
    expect((await refresh(a.body.refresh_token as string)).res.status).toBe(200);
    expect((await refresh(b.body.refresh_token as string)).res.status).toBe(200);
  });

  it('RFC 9700 §4.14.2: ten replays inside the grace window make at most one more successor, and revoke nothing', async () => {
    const { tokens, refresh } = await session({ refreshGraceSeconds: 10 });
    const rotated = await refresh(tokens.refresh_token!);
    expect(rotated.res.status).toBe(200);
    const replays = await Promise.all(Array.from({ length: 10 }, () => refresh(tokens.refresh_token!)));
    const issued = replays.filter((r) => r.res.status === 200);
    expect(issued).toHaveLength(1);
    for (const r of replays.filter((x) => x.res.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    // Not a reuse: the family lives, so the first successor and the grace one both still refresh.
    expect((await refresh(rotated.body.refresh_token as string)).res.status).toBe(200);
    expect((await refresh(issued[0]!.body.refresh_token as string)).res.status).toBe(200);
  });

  it('RFC 9700 §4.14.2: refreshGraceSeconds 0 turns the window off: an immediate reuse revokes the family', async () => {
    const { tokens, refresh } = await session({ refreshGraceSeconds: 0 });
    const rotated = await refresh(tokens.refresh_token!);
    expect(rotated.res.status).toBe(200);
    const reuse = await refresh(tokens.refresh_token!); // same second: no window at all
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(rotated.body.refresh_token as string)).body.error).toBe('invalid_grant');
  });

  it('RFC 6749 §6: may narrow the scope but not widen it', async () => {
    const { tokens, refresh } = await session();
    const narrowed = await refresh(tokens.refresh_token!, { scope: 'openid email' });
    expect(narrowed.body.scope).toBe('openid email');
    const widened = await refresh(narrowed.body.refresh_token as string, { scope: 'openid admin' });
    expect(widened.body.error).toBe('invalid_scope');
  });

  it('RFC 6749 §6: an empty scope parameter means the originally granted scope', async () => {
    const { tokens, refresh } = await session();
    const same = await refresh(tokens.refresh_token!, { scope: '' });
    expect(same.body.scope).toBe(tokens.scope);
    expect(same.body.id_token).toBeDefined();
  });

  it('refuses a refresh token presented by another client, and unknown or malformed tokens', async () => {
    const { ctx, tokens } = await session();
    const other = await setupTenant(keyway);
    const foreignTenant = await tokenRequest(
      keyway,
      other.tenantId,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { Authorization: basicAuth(other.client) },
    );
    expect(foreignTenant.body.error).toBe('invalid_grant');
    for (const bad of ['nope', `${crypto.randomUUID()}.${'A'.repeat(43)}`]) {
      const { body } = await tokenRequest(
        keyway,
        ctx.tenantId,
        { grant_type: 'refresh_token', refresh_token: bad },
        { Authorization: basicAuth(ctx.client) },
      );
      expect(body.error).toBe('invalid_grant');
    }
  });
});
