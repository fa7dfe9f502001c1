import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { s256Challenge } from '../../lambdas/core/oidc/pkce.ts';
import { atHash } from '../../lambdas/core/oidc/token-minting.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  basicAuth,
  getCode,
  REDIRECT_URI,
  redeem,
  registerClient,
  setupTenant,
  signedInUser,
  tokenRequest,
} from '../support/oidc.ts';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let user: Awaited<ReturnType<typeof signedInUser>>;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  user = await signedInUser(keyway, ctx.tenantId);
});
afterAll(async () => keyway?.stop());

describe('authorization_code grant', () => {
  it('issues an RFC 9068 access token, an ID token and a refresh token', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const { res, body } = await redeem(keyway, ctx, code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'openid profile email offline_access' });
    const jwks = createRemoteJWKSet(new URL(`${keyway.url}/${ctx.tenantId}/.well-known/jwks.json`));

    const at = await jwtVerify(body.access_token as string, jwks, { issuer: ctx.issuer, typ: 'at+jwt' });
    expect(at.payload).toMatchObject({
      sub: user.userId,
      aud: ctx.client.client_id,
      client_id: ctx.client.client_id,
      tenant_id: ctx.tenantId,
      scope: 'openid profile email offline_access',
      email: user.email,
      roles: ['user'],
    });
    for (const claim of ['exp', 'iat', 'nbf', 'jti', 'auth_time']) expect(at.payload[claim]).toBeDefined();

    const id = await jwtVerify(body.id_token as string, jwks, { issuer: ctx.issuer, audience: ctx.client.client_id });
    expect(decodeProtectedHeader(body.id_token as string).alg).toBe('RS256');
    expect(id.payload).toMatchObject({
      sub: user.userId,
      nonce: 'n-1',
      amr: ['hwk', 'user'],
      tenant_id: ctx.tenantId,
      email: user.email,
      email_verified: false,
      given_name: 'Ada',
      family_name: 'Lovelace',
      name: 'Ada Lovelace',
      at_hash: atHash(body.access_token as string),
    });
    expect(body.refresh_token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  });

  it('stores codes and refresh tokens only as hashes', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const item = await keyway.store.table.get(keys.code(ctx.tenantId, sha256(code)));
    expect(item).toBeDefined();
    expect(JSON.stringify(item)).not.toContain(code);
    const { body } = await redeem(keyway, ctx, code, verifier);
    const rt = await keyway.store.table.get(keys.refreshToken(ctx.tenantId, sha256(body.refresh_token as string)));
    expect(JSON.stringify(rt)).not.toContain((body.refresh_token as string).split('.')[1]);
  });

  it('no ID token (and no signature spent on one) without the openid scope', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie, { scope: 'email' });
    const { body } = await redeem(keyway, ctx, code, verifier);
    expect(body.id_token).toBeUndefined();
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('email');
  });

  it('RFC 7636 §4.6: rejects a verifier that does not match', async () => {
    const { code } = await getCode(keyway, ctx, user.cookie);
    const { res, body } = await redeem(keyway, ctx, code, 'x'.repeat(43));
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('RFC 7636 §4.5: rejects a missing verifier', async () => {
    const { code } = await getCode(keyway, ctx, user.cookie);
    const { body } = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(body.error).toBe('invalid_request');
  });

  it('RFC 6749 §4.1.3: rejects a redirect_uri different from the authorization request', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const { body } = await tokenRequest(
      keyway,
      ctx.tenantId,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.example.com/other',
        code_verifier: verifier,
      },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(body.error).toBe('invalid_grant');
  });

  it('RFC 6749 §4.1.2: a reused code fails and revokes the tokens issued from it', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const first = await redeem(keyway, ctx, code, verifier);
    expect(first.res.status).toBe(200);
    const second = await redeem(keyway, ctx, code, verifier);
    expect(second.res.status).toBe(400);
    expect(second.body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/already used/),
    });
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${first.body.access_token}` },
    });
    expect(userinfo.status).toBe(401);
    const refresh = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('RFC 6749 §4.1.2: a replay seen while the first redemption is still minting revokes what it mints', async () => {
    // The first redemption has consumed the code (conditional write) but not yet created its token family.
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const first = await keyway.store.codes.redeemCode(ctx.tenantId, code, {
      clientId: ctx.client.client_id,
      redirectUri: REDIRECT_URI,
      codeChallenge: s256Challenge(verifier),
    });
    if (first.status !== 'redeemed') throw new Error('expected the first redemption to win');
    // The replay arrives now.
    const replay = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    // The family is revoked before it exists; the first redemption then creates it revoked.
    expect((await keyway.store.tokens.findGrant(ctx.tenantId, first.code.grantId))?.revokedAt).toBeDefined();
    const now = Math.floor(Date.now() / 1000);
    await keyway.store.tokens.createGrant({
      tenantId: ctx.tenantId,
      grantId: first.code.grantId,
      clientId: ctx.client.client_id,
      userId: user.userId,
      scope: first.code.scope,
      authTime: first.code.authTime,
      amr: first.code.amr,
      createdAt: now,
      expiresAt: now + 3600,
    });
    const family = await keyway.store.tokens.findGrant(ctx.tenantId, first.code.grantId);
    expect(family).toMatchObject({ clientId: ctx.client.client_id, revokedReason: 'authorization code replayed' });
    expect(family?.revokedAt).toBeDefined();
  });

  it('RFC 6749 §4.1.2: rejects an expired code (60 s lifetime)', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.code(ctx.tenantId, sha256(code)),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    const { body } = await redeem(keyway, ctx, code, verifier);
    expect(body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/expired/) });
  });

  it('RFC 6749 §4.1.3: rejects a code issued to another client', async () => {
    const other = await registerClient(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const { body } = await redeem(keyway, { tenantId: ctx.tenantId, client: other }, code, verifier);
    expect(body.error).toBe('invalid_grant');
  });

  it('RFC 6749 §4.1.3, RFC 7636 §4.6: a redemption that fails a check does not spend the code', async () => {
    const other = await registerClient(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    // Someone who saw the code: another client, a wrong verifier, a wrong redirect_uri. None of them burns it.
    expect((await redeem(keyway, { tenantId: ctx.tenantId, client: other }, code, verifier)).body.error).toBe(
      'invalid_grant',
    );
    expect((await redeem(keyway, ctx, code, 'w'.repeat(43))).body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/code_verifier/),
    });
    const wrongRedirect = await tokenRequest(
      keyway,
      ctx.tenantId,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.example.com/other',
        code_verifier: verifier,
      },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(wrongRedirect.body.error).toBe('invalid_grant');
    const real = await redeem(keyway, ctx, code, verifier);
    expect(real.res.status).toBe(200);
    expect(real.body.access_token).toBeDefined();
  });

  it('RFC 6749 §4.1.2, RFC 7636 §4.6: a used code re-presented without its verifier revokes nothing', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const real = await redeem(keyway, ctx, code, verifier);
    expect(real.res.status).toBe(200);
    const guess = await redeem(keyway, ctx, code, 'g'.repeat(43));
    expect(guess.body.error).toBe('invalid_grant');
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${real.body.access_token}` },
    });
    expect(userinfo.status).toBe(200);
  });

  it('RFC 6749 §4.1.2: only the client the code was issued to replays it; another client presenting it revokes nothing', async () => {
    const other = await registerClient(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const real = await redeem(keyway, ctx, code, verifier);
    expect(real.res.status).toBe(200);
    const foreign = await redeem(keyway, { tenantId: ctx.tenantId, client: other }, code, verifier);
    expect(foreign.body.error).toBe('invalid_grant');
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${real.body.access_token}` },
    });
    expect(userinfo.status).toBe(200);
  });

  it('concurrency: of N parallel redemptions of one code exactly one succeeds (conditional write)', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const results = await Promise.all(Array.from({ length: 10 }, () => redeem(keyway, ctx, code, verifier)));
    const won = results.filter((r) => r.res.status === 200);
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => r.res.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    // The other nine were replays (RFC 6749 §4.1.2): whichever order they ran in, the winner's tokens are revoked.
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/introspect`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(ctx.client) },
      body: new URLSearchParams({ token: won[0]!.body.access_token as string }),
    });
    expect(await res.json()).toEqual({ active: false });
  });
});

describe('lifetimes', () => {
  it("a client's registered lifetimes override the tenant's for access and ID tokens", async () => {
    const client = await registerClient(keyway, ctx.tenantId, { access_token_lifetime: 120, id_token_lifetime: 300 });
    expect(client).toMatchObject({ access_token_lifetime: 120, id_token_lifetime: 300 });
    const c = { tenantId: ctx.tenantId, client };
    const { code, verifier } = await getCode(keyway, c, user.cookie);
    const { body } = await redeem(keyway, c, code, verifier);
    expect(body.expires_in).toBe(120);
    const jwks = createRemoteJWKSet(new URL(`${keyway.url}/${ctx.tenantId}/.well-known/jwks.json`));
    const at = await jwtVerify(body.access_token as string, jwks, { issuer: ctx.issuer });
    const id = await jwtVerify(body.id_token as string, jwks, { issuer: ctx.issuer });
    expect(at.payload.exp! - at.payload.iat!).toBe(120);
    expect(id.payload.exp! - id.payload.iat!).toBe(300);
  });
});

describe('OAuth error bodies', () => {
  it('use registered RFC 6749 error codes even for errors outside OAuth (unknown tenant → invalid_request)', async () => {
    const res = await fetch(`${keyway.url}/no-such-tenant/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', code: 'not_found', status: 404 });
  });
});

describe('client authentication (RFC 6749 §2.3, §5.2)', () => {
  it('answers a bad secret with 401 invalid_client and WWW-Authenticate', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const { res, body } = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
      { Authorization: basicAuth({ client_id: ctx.client.client_id, client_secret: 'wrong' }) },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toMatchObject({ error: 'invalid_client', status: 401, type: 'urn:keyway:error:invalid_client' });
    expect(body.traceId).toBeDefined();
  });

  it('accepts client_secret_post only for clients registered with it', async () => {
    const post = await registerClient(keyway, ctx.tenantId, { token_endpoint_auth_method: 'client_secret_post' });
    const { code, verifier } = await getCode(keyway, { tenantId: ctx.tenantId, client: post }, user.cookie);
    const ok = await tokenRequest(keyway, ctx.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: post.client_id,
      client_secret: post.client_secret!,
    });
    expect(ok.res.status).toBe(200);
    const basicForPostClient = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, code_verifier: verifier },
      { Authorization: basicAuth(post) },
    );
    expect(basicForPostClient.res.status).toBe(401);
  });

  it('public clients (none) authenticate with client_id alone and still need PKCE', async () => {
    const spa = await registerClient(keyway, ctx.tenantId, { token_endpoint_auth_method: 'none' });
    expect(spa.client_secret).toBeUndefined();
    const { code, verifier } = await getCode(keyway, { tenantId: ctx.tenantId, client: spa }, user.cookie);
    const noVerifier = await tokenRequest(keyway, ctx.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: spa.client_id,
    });
    expect(noVerifier.body.error).toBe('invalid_request');
    const second = await getCode(keyway, { tenantId: ctx.tenantId, client: spa }, user.cookie);
    const ok = await tokenRequest(keyway, ctx.tenantId, {
      grant_type: 'authorization_code',
      code: second.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: second.verifier,
      client_id: spa.client_id,
    });
    expect(ok.res.status).toBe(200);
    void verifier;
  });

  it('a confidential client cannot skip authentication by sending only client_id', async () => {
    const { res, body } = await tokenRequest(keyway, ctx.tenantId, {
      grant_type: 'authorization_code',
      code: 'x',
      redirect_uri: REDIRECT_URI,
      code_verifier: 'x'.repeat(43),
      client_id: ctx.client.client_id,
    });
    expect(res.status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('unsupported grant types get unsupported_grant_type', async () => {
    const { body } = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'password' },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(body.error).toBe('unsupported_grant_type');
  });
});
