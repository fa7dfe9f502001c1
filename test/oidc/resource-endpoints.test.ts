import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  basicAuth,
  getCode,
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

async function tokens(extra: Record<string, string> = {}) {
  const { code, verifier } = await getCode(keyway, ctx, user.cookie, extra);
  return (await redeem(keyway, ctx, code, verifier)).body as Record<string, string>;
}

const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${keyway.url}/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });

describe('userinfo (OIDC Core §5.3)', () => {
  it('returns claims per granted scope, by GET and POST', async () => {
    const t = await tokens();
    const get = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${t.access_token}` },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({
      sub: user.userId,
      tenant_id: ctx.tenantId,
      roles: ['user'],
      email: user.email,
      email_verified: false,
      given_name: 'Ada',
      family_name: 'Lovelace',
      name: 'Ada Lovelace',
    });
    const viaBody = await post(`${ctx.tenantId}/userinfo`, { access_token: t.access_token! });
    expect(viaBody.status).toBe(200);
    const onlyOpenid = await tokens({ scope: 'openid' });
    const minimal = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${onlyOpenid.access_token}` },
    });
    expect(await minimal.json()).toEqual({ sub: user.userId, tenant_id: ctx.tenantId, roles: ['user'] });
  });

  it('RFC 6750 §3.1: 401 with WWW-Authenticate error="invalid_token" for missing, garbage and foreign-tenant tokens', async () => {
    const other = await setupTenant(keyway);
    const otherUser = await signedInUser(keyway, other.tenantId);
    const { code, verifier } = await getCode(keyway, other, otherUser.cookie);
    const foreign = (await redeem(keyway, other, code, verifier)).body.access_token as string;
    for (const authorization of [undefined, 'Bearer garbage', `Bearer ${foreign}`]) {
      const res = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
        headers: authorization ? { Authorization: authorization } : {},
      });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      expect(((await res.json()) as Record<string, unknown>).error).toBe('invalid_token');
    }
  });

  it('answers a browser preflight only for registered origins, never with *', async () => {
    const allowed = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a registered origin read the error of a malformed request (CORS decided before parsing)', async () => {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/token`, {
      method: 'POST',
      headers: { Origin: 'https://app.example.com', 'Content-Type': 'text/plain' },
      body: 'grant_type=refresh_token',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(await res.json()).toMatchObject({ error: 'invalid_request', code: 'unsupported_media_type' });
  });
});

describe('revocation (RFC 7009)', () => {
  it('revoking a refresh token revokes its family; unknown tokens still get 200', async () => {
    const t = await tokens();
    const res = await post(
      `${ctx.tenantId}/revoke`,
      { token: t.refresh_token!, token_type_hint: 'refresh_token' },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(res.status).toBe(200);
    const refresh = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: t.refresh_token! },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refresh.body.error).toBe('invalid_grant');
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${t.access_token}` },
    });
    expect(userinfo.status).toBe(401);
    expect(
      (await post(`${ctx.tenantId}/revoke`, { token: 'unknown' }, { Authorization: basicAuth(ctx.client) })).status,
    ).toBe(200);
  });

  it('revokes an access token even with a wrong token_type_hint (§2.1: hint not trusted)', async () => {
    const t = await tokens();
    const res = await post(
      `${ctx.tenantId}/revoke`,
      { token: t.access_token!, token_type_hint: 'refresh_token' },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(res.status).toBe(200);
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${t.access_token}` },
    });
    expect(userinfo.status).toBe(401);
    // The refresh token of the same family is untouched.
    const refresh = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: t.refresh_token! },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refresh.res.status).toBe(200);
  });

  it("§2.1: a client cannot revoke another client's token", async () => {
    const t = await tokens();
    const other = await registerClient(keyway, ctx.tenantId);
    expect(
      (await post(`${ctx.tenantId}/revoke`, { token: t.refresh_token! }, { Authorization: basicAuth(other) })).status,
    ).toBe(200);
    const refresh = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: t.refresh_token! },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refresh.res.status).toBe(200);
  });

  it('requires client authentication', async () => {
    const res = await post(`${ctx.tenantId}/revoke`, { token: 'x' });
    expect(res.status).toBe(401);
  });
});

describe('introspection (RFC 7662)', () => {
  it('§2.2: active tokens with their claims; revoked, foreign and unknown tokens are {active:false}', async () => {
    const t = await tokens();
    const introspect = async (token: string, client = ctx.client, tenantId = ctx.tenantId) =>
      (await (await post(`${tenantId}/introspect`, { token }, { Authorization: basicAuth(client) })).json()) as Record<
        string,
        unknown
      >;
    expect(await introspect(t.access_token!)).toMatchObject({
      active: true,
      sub: user.userId,
      client_id: ctx.client.client_id,
      scope: 'openid profile email offline_access',
      tenant_id: ctx.tenantId,
      token_type: 'Bearer',
    });
    expect(await introspect(t.refresh_token!)).toMatchObject({ active: true, token_type: 'refresh_token' });
    expect(await introspect('unknown')).toEqual({ active: false });
    const other = await setupTenant(keyway);
    expect(await introspect(t.access_token!, other.client, other.tenantId)).toEqual({ active: false });
    await post(`${ctx.tenantId}/revoke`, { token: t.refresh_token! }, { Authorization: basicAuth(ctx.client) });
    expect(await introspect(t.access_token!)).toEqual({ active: false });
    expect(await introspect(t.refresh_token!)).toEqual({ active: false });
  });

  it('refuses public clients and unauthenticated callers', async () => {
    const spa = await registerClient(keyway, ctx.tenantId, { token_endpoint_auth_method: 'none' });
    const res = await post(`${ctx.tenantId}/introspect`, { token: 'x', client_id: spa.client_id });
    expect(res.status).toBe(401);
    expect((await post(`${ctx.tenantId}/introspect`, { token: 'x' })).status).toBe(401);
  });
});
