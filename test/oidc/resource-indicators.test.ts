import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  authorize,
  basicAuth,
  getCode,
  REDIRECT_URI,
  redeem,
  registerClient,
  setupTenant,
  signedInUser,
  type TestClient,
  tokenRequest,
} from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

/*
 * RFC 8707 resource indicators end to end: resources registered through the admin API, tokens asked for through
 * authorize and the token endpoint (openid-client for client_credentials), and RFC 7662 introspection limited to the
 * token's client and audience.
 */
const INVOICES = 'https://invoices.example.com/api';
const LEDGER = 'https://ledger.example.com';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let user: Awaited<ReturnType<typeof signedInUser>>;
/** The invoices API's own client: the resource names it as the one that introspects its tokens. */
let invoicesApi: TestClient;
let service: TestClient;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  user = await signedInUser(keyway, ctx.tenantId);
  invoicesApi = await registerClient(keyway, ctx.tenantId, { redirect_uris: [], grant_types: ['client_credentials'] });
  service = await registerClient(keyway, ctx.tenantId, { redirect_uris: [], grant_types: ['client_credentials'] });
  for (const body of [
    {
      identifier: INVOICES,
      name: 'Invoices',
      scopes: ['invoices:read', 'invoices:write'],
      access_token_lifetime: 120,
      client_id: invoicesApi.client_id,
    },
    { identifier: LEDGER, name: 'Ledger', scopes: ['ledger:read'] },
  ]) {
    const created = await admin(keyway, 'POST', `/admin/tenants/${ctx.tenantId}/resources`, { body });
    expect(created.res.status).toBe(201);
  }
});
afterAll(async () => keyway?.stop());

const introspect = async (token: string, by: TestClient) => {
  const res = await fetch(`${keyway.url}/${ctx.tenantId}/introspect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(by) },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as Record<string, unknown>;
};

/** The error an authorization request is answered with, at the client's redirect URI. */
async function authorizeError(params: Record<string, string>) {
  const { challenge } = pkcePair();
  const { location } = await authorize(
    keyway,
    ctx.tenantId,
    {
      response_type: 'code',
      client_id: ctx.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      ...params,
    },
    user.cookie,
  );
  return location?.searchParams.get('error');
}

describe('resource indicators (RFC 8707)', () => {
  it('§2.1: a token asked for a resource has it as aud, the resource scopes and lifetime; the ID token stays the client’s', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie, {
      resource: INVOICES,
      scope: 'openid offline_access invoices:read',
    });
    const { res, body } = await redeem(keyway, ctx, code, verifier);
    expect(res.status).toBe(200);
    const access = decodeJwt(body.access_token as string);
    expect(access.aud).toBe(INVOICES);
    expect(access.scope).toBe('openid offline_access invoices:read');
    expect(body.expires_in).toBe(120);
    expect(access.exp! - access.iat!).toBe(120);
    expect(decodeJwt(body.id_token as string).aud).toBe(ctx.client.client_id);

    // §2.2 on refresh: the same resource (or none) keeps the audience; another is invalid_target.
    const refresh = (extra: Record<string, string>, token: string) =>
      tokenRequest(
        keyway,
        ctx.tenantId,
        { grant_type: 'refresh_token', refresh_token: token, ...extra },
        { Authorization: basicAuth(ctx.client) },
      );
    const again = await refresh({ resource: INVOICES }, body.refresh_token as string);
    expect(again.res.status).toBe(200);
    expect(decodeJwt(again.body.access_token as string).aud).toBe(INVOICES);
    const other = await refresh({ resource: LEDGER }, again.body.refresh_token as string);
    expect(other.body.error).toBe('invalid_target');
    const plain = await refresh({}, again.body.refresh_token as string);
    expect(decodeJwt(plain.body.access_token as string).aud).toBe(INVOICES);
  });

  it('§2: an unknown, malformed or repeated resource at authorize is invalid_target at the redirect URI', async () => {
    expect(await authorizeError({ resource: 'https://unknown.example.com' })).toBe('invalid_target');
    expect(await authorizeError({ resource: 'not a uri' })).toBe('invalid_target');
    expect(await authorizeError({ resource: `${INVOICES}#fragment` })).toBe('invalid_target');
    const url = new URL(`${keyway.url}/${ctx.tenantId}/authorize`);
    const { challenge } = pkcePair();
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: ctx.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(k, v);
    url.searchParams.append('resource', INVOICES);
    url.searchParams.append('resource', LEDGER);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: user.cookie } });
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
  });

  it('RFC 6749 §3.3: a scope the resource does not define is invalid_scope; API scopes need their resource', async () => {
    expect(await authorizeError({ resource: INVOICES, scope: 'openid ledger:read' })).toBe('invalid_scope');
    expect(await authorizeError({ scope: 'openid invoices:read' })).toBe('invalid_scope');
  });

  it('§2: a client limited to some resources (its `resources`) gets invalid_target for the others', async () => {
    const limited = await registerClient(keyway, ctx.tenantId, { resources: [LEDGER] });
    const { challenge } = pkcePair();
    const { location } = await authorize(
      keyway,
      ctx.tenantId,
      {
        response_type: 'code',
        client_id: limited.client_id,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: INVOICES,
      },
      user.cookie,
    );
    expect(location?.searchParams.get('error')).toBe('invalid_target');
    const ok = await getCode(keyway, { tenantId: ctx.tenantId, client: limited }, user.cookie, {
      resource: LEDGER,
      scope: 'openid ledger:read',
    });
    expect(ok.code).toBeTruthy();
  });

  it('§2.2: the token request may only repeat the authorized resource, and a wrong one does not burn the code', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie, { resource: INVOICES, scope: 'openid' });
    const res = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, resource: LEDGER },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(res.body.error).toBe('invalid_target');
    // The refusal spent nothing: the same code, without the wrong resource, still works once.
    const retried = await redeem(keyway, ctx, code, verifier);
    expect(retried.res.status).toBe(200);
    expect(decodeJwt(retried.body.access_token as string).aud).toBe(INVOICES);
  });

  it('a deleted resource gets no new tokens: the family’s refresh is invalid_target', async () => {
    const identifier = `https://short-lived.example.com/${Date.now()}`;
    const created = await admin(keyway, 'POST', `/admin/tenants/${ctx.tenantId}/resources`, {
      body: { identifier, name: 'Short-lived', scopes: [] },
    });
    const { code, verifier } = await getCode(keyway, ctx, user.cookie, {
      resource: identifier,
      scope: 'openid offline_access',
    });
    const first = await redeem(keyway, ctx, code, verifier);
    expect(decodeJwt(first.body.access_token as string).aud).toBe(identifier);
    await admin(keyway, 'DELETE', `/admin/tenants/${ctx.tenantId}/resources/${created.body.id as string}`);
    const refreshed = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refreshed.body.error).toBe('invalid_target');
  });

  it('client_credentials with a resource (openid-client): aud = resource, its scopes only', async () => {
    const config = await oidc.discovery(
      new URL(ctx.issuer),
      service.client_id,
      undefined,
      oidc.ClientSecretBasic(service.client_secret!),
      { execute: [oidc.allowInsecureRequests] },
    );
    const tokens = await oidc.clientCredentialsGrant(config, { resource: LEDGER, scope: 'ledger:read' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: LEDGER, sub: service.client_id, scope: 'ledger:read' });
    const auth = { Authorization: basicAuth(service) };
    const form = (extra: Record<string, string>) => ({ grant_type: 'client_credentials', ...extra });
    const wrongScope = await tokenRequest(
      keyway,
      ctx.tenantId,
      form({ resource: LEDGER, scope: 'invoices:read' }),
      auth,
    );
    expect(wrongScope.body.error).toBe('invalid_scope');
    const unknown = await tokenRequest(keyway, ctx.tenantId, form({ resource: 'https://nope.example.com' }), auth);
    expect(unknown.body.error).toBe('invalid_target');
    const noResource = await tokenRequest(keyway, ctx.tenantId, form({ scope: 'ledger:read' }), auth);
    expect(noResource.body.error).toBe('invalid_scope');
  });
});

describe('introspection only for the token’s client and audience (RFC 7662 §2.1, §4)', () => {
  it('the resource server registered for the aud and the client the token was issued to see it; any other client gets active: false', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie, { resource: INVOICES, scope: 'openid' });
    const { body } = await redeem(keyway, ctx, code, verifier);
    const token = body.access_token as string;
    expect(await introspect(token, invoicesApi)).toMatchObject({ active: true, aud: INVOICES, sub: user.userId });
    expect(await introspect(token, ctx.client)).toMatchObject({ active: true });
    expect(await introspect(token, service)).toEqual({ active: false });

    // A token for the ledger (no introspecting client registered) is not the invoices API's business either.
    const { code: c2, verifier: v2 } = await getCode(keyway, ctx, user.cookie, { resource: LEDGER, scope: 'openid' });
    const ledgerToken = (await redeem(keyway, ctx, c2, v2)).body.access_token as string;
    expect(await introspect(ledgerToken, invoicesApi)).toEqual({ active: false });
  });

  it('a client’s legacy `audience` keeps working, and registering it as a resource names who may introspect', async () => {
    const audience = 'https://legacy.example.com/api';
    const api = await registerClient(keyway, ctx.tenantId, { redirect_uris: [], grant_types: ['client_credentials'] });
    const legacy = await registerClient(keyway, ctx.tenantId, {
      redirect_uris: [],
      grant_types: ['client_credentials'],
      audience,
    });
    const t = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'client_credentials' },
      { Authorization: basicAuth(legacy) },
    );
    expect(decodeJwt(t.body.access_token as string).aud).toBe(audience);
    expect(await introspect(t.body.access_token as string, api)).toEqual({ active: false });
    await admin(keyway, 'POST', `/admin/tenants/${ctx.tenantId}/resources`, {
      body: { identifier: audience, name: 'Legacy API', scopes: [], client_id: api.client_id },
    });
    expect(await introspect(t.body.access_token as string, api)).toMatchObject({ active: true });
    expect(await introspect(t.body.access_token as string, service)).toEqual({ active: false });
  });
});
