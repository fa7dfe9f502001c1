import { randomBytes } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot } from '../support/admin.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { getCode, REDIRECT_URI, redeem, registerClient, signedInUser, tokenRequest } from '../support/oidc.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway({ eventFeedSettleSeconds: 0 });
});
afterAll(async () => keyway?.stop());

const hex = () => randomBytes(4).toString('hex');

async function tenant(settings: Record<string, unknown> = {}): Promise<string> {
  const id = `dcr-${hex()}`;
  const { res } = await createTenant(keyway, { name: `DCR ${id}`, plan: 'free', id, settings });
  expect(res.status).toBe(201);
  return id;
}

/** An initial access token of `tenantId`, as its administrator issues it. */
async function initialAccessToken(tenantId: string, body: Record<string, unknown> = {}) {
  const r = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/initial-access-tokens`, { body });
  expect(r.res.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.id as string, token: r.body.token as string };
}

interface Answer {
  readonly res: Response;
  readonly body: Record<string, unknown>;
}

async function call(
  method: string,
  url: string,
  options: { bearer?: string; body?: unknown; rawBody?: string } = {},
): Promise<Answer> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const res = await fetch(url, {
    method,
    headers: {
      ...(options.bearer ? { Authorization: `Bearer ${options.bearer}` } : {}),
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(hasBody ? { body: options.rawBody ?? JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { res, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const register = (tenantId: string, body: unknown, bearer?: string) =>
  call('POST', `${keyway.url}/${tenantId}/register`, { body, ...(bearer ? { bearer } : {}) });

const WEB = { redirect_uris: [REDIRECT_URI], client_name: 'Partner app' };

async function clientsOf(tenantId: string): Promise<Record<string, unknown>[]> {
  const listed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/clients`);
  return listed.body.items as Record<string, unknown>[];
}

/** A well-formed OAuth error (RFC 7591 §3.2.2, RFC 6750 §3): JSON with `error` and `error_description`. */
function expectOAuthError(r: Answer, status: number, error: string) {
  expect(r.res.status, JSON.stringify(r.body)).toBe(status);
  expect(r.res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.body).toMatchObject({ error, error_description: expect.any(String), status });
  if (status === 401) expect(r.res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
}

describe('dynamic client registration (RFC 7591) with an initial access token', () => {
  it('is advertised as registration_endpoint in discovery (RFC 8414 §2)', async () => {
    const tenantId = await tenant();
    const metadata = await (await fetch(`${keyway.url}/${tenantId}/.well-known/openid-configuration`)).json();
    expect(metadata.registration_endpoint).toBe(`${keyway.baseUrl}/${tenantId}/register`);
  });

  it("registers through openid-client's dynamicClientRegistration (§3.1), and the client completes a code flow", async () => {
    const tenantId = await tenant();
    const { token } = await initialAccessToken(tenantId, { max_uses: 1 });
    const config = await oidc.dynamicClientRegistration(
      new URL(`${keyway.baseUrl}/${tenantId}`),
      {
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        client_name: 'Partner app',
      },
      undefined,
      { initialAccessToken: token, execute: [oidc.allowInsecureRequests] },
    );
    const registered = config.clientMetadata();
    // §3.2.1: the client information response.
    expect(registered).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.stringMatching(/^kws_/),
      client_secret_expires_at: 0,
      client_id_issued_at: expect.any(Number),
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      client_name: 'Partner app',
      // What the token makes registered clients: third-party by default.
      first_party: false,
      registration_client_uri: `${keyway.baseUrl}/${tenantId}/register/${registered.client_id}`,
      registration_access_token: expect.stringMatching(/^kw_rat_/),
    });

    // A normal client: listed by the admin API, and it signs a user in (the consent page first: third-party).
    expect((await clientsOf(tenantId)).map((c) => c.client_id)).toEqual([registered.client_id]);
    const client = { client_id: registered.client_id, client_secret: registered.client_secret as string };
    const user = await signedInUser(keyway, tenantId);
    const { code, verifier } = await getCode(keyway, { tenantId, client }, user.cookie);
    const tokens = await redeem(keyway, { tenantId, client }, code, verifier);
    expect(tokens.res.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) });

    // The single-use token is spent: a second registration with it is refused.
    expectOAuthError(await register(tenantId, WEB, token), 401, 'invalid_token');
  });

  it('answers 201 with Cache-Control: no-store and a Location of the client configuration endpoint (§3.2.1)', async () => {
    const tenantId = await tenant();
    const { token } = await initialAccessToken(tenantId);
    const r = await register(tenantId, { ...WEB, token_endpoint_auth_method: 'none' }, token);
    expect(r.res.status).toBe(201);
    expect(r.res.headers.get('cache-control')).toBe('no-store');
    expect(r.res.headers.get('location')).toBe(r.body.registration_client_uri);
    // A public client gets no secret and no secret expiry.
    expect(r.body).not.toHaveProperty('client_secret');
    expect(r.body).not.toHaveProperty('client_secret_expires_at');
    expect(r.body.token_endpoint_auth_method).toBe('none');
  });

  it('applies the defaults of §2 and ignores metadata it does not take (Keyway extensions included)', async () => {
    const tenantId = await tenant();
    const { token } = await initialAccessToken(tenantId);
    const r = await register(
      tenantId,
      { redirect_uris: [REDIRECT_URI], first_party: true, token_exchange: { scopes: ['openid'] }, logo_uri: 'x' },
      token,
    );
    expect(r.res.status).toBe(201);
    expect(r.body).toMatchObject({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: false,
      token_exchange: null,
    });
    expect(r.body).not.toHaveProperty('logo_uri');
  });

  it('holds the client to the token: first_party as issued, allowed redirect hosts and grant types', async () => {
    const tenantId = await tenant();
    const { token } = await initialAccessToken(tenantId, {
      first_party: true,
      allowed_redirect_hosts: ['app.example.com'],
      grant_types: ['authorization_code'],
    });
    const ok = await register(tenantId, WEB, token);
    expect(ok.res.status).toBe(201);
    expect(ok.body.first_party).toBe(true);

    const before = await tenantSnapshot(keyway, tenantId);
    const otherHost = await register(tenantId, { redirect_uris: ['https://evil.example.net/cb'] }, token);
    expectOAuthError(otherHost, 400, 'invalid_redirect_uri');
    const logoutElsewhere = await register(
      tenantId,
      { ...WEB, post_logout_redirect_uris: ['https://evil.example.net/bye'] },
      token,
    );
    expectOAuthError(logoutElsewhere, 400, 'invalid_redirect_uri');
    const privateScheme = await register(tenantId, { redirect_uris: ['com.example.app:/cb'] }, token);
    expectOAuthError(privateScheme, 400, 'invalid_redirect_uri');
    const refresh = await register(tenantId, { ...WEB, grant_types: ['authorization_code', 'refresh_token'] }, token);
    expectOAuthError(refresh, 400, 'invalid_client_metadata');
    expect(refresh.body.error_description).toMatch(/refresh_token not allowed/);
    // Nothing written, no use counted.
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });

  it('RFC 8707: a registered client may ask tokens for no resource server until an administrator lists one on it', async () => {
    const tenantId = await tenant();
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/resources`, {
      body: { identifier: 'https://api.internal.example.com', name: 'Internal', scopes: ['payroll:read'] },
    });
    const { token } = await initialAccessToken(tenantId);
    const r = await register(
      tenantId,
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
      token,
    );
    expect(r.res.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.resources).toEqual([]);
    const asked = await fetch(`${keyway.url}/${tenantId}/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${r.body.client_id}:${r.body.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: 'https://api.internal.example.com',
        scope: 'payroll:read',
      }),
    });
    expect(asked.status).toBe(400);
    expect(((await asked.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('RFC 9700 §4.11.2: an openly registered client’s post-logout URI is not followed without an id_token_hint issued to it', async () => {
    const tenantId = await tenant({ openClientRegistration: true });
    const bye = 'https://partner.example.com/bye';
    const r = await register(tenantId, { ...WEB, post_logout_redirect_uris: [bye] });
    expect(r.res.status, JSON.stringify(r.body)).toBe(201);
    const res = await fetch(
      `${keyway.url}/${tenantId}/end-session?${new URLSearchParams({ client_id: r.body.client_id as string, post_logout_redirect_uri: bye })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
  });

  it('open registration is for browser sign-in only (no device flow), and a name with format characters is refused', async () => {
    const tenantId = await tenant({ openClientRegistration: true });
    const device = await register(tenantId, {
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      token_endpoint_auth_method: 'none',
      client_name: 'TV',
    });
    expectOAuthError(device, 400, 'invalid_client_metadata');
    const bidi = await register(tenantId, { ...WEB, client_name: 'Acme \u202eIT' });
    expectOAuthError(bidi, 400, 'invalid_client_metadata');
  });

  it('counts uses: a token of max_uses 2 registers two clients, then 401 (the admin list shows the uses)', async () => {
    const tenantId = await tenant();
    const { id, token } = await initialAccessToken(tenantId, { max_uses: 2 });
    expect((await register(tenantId, WEB, token)).res.status).toBe(201);
    expect((await register(tenantId, WEB, token)).res.status).toBe(201);
    expectOAuthError(await register(tenantId, WEB, token), 401, 'invalid_token');
    const listed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/initial-access-tokens`);
    expect((listed.body.items as Record<string, unknown>[]).find((t) => t.id === id)).toMatchObject({
      uses: 2,
      max_uses: 2,
    });
    expect(await clientsOf(tenantId)).toHaveLength(2);
  });

  it('lets exactly one of two registrations racing for the last use of a single-use token succeed', async () => {
    const tenantId = await tenant();
    const { token } = await initialAccessToken(tenantId, { max_uses: 1 });
    const results = await Promise.all([register(tenantId, WEB, token), register(tenantId, WEB, token)]);
    expect(results.map((r) => r.res.status).sort()).toEqual([201, 401]);
    expectOAuthError(results.find((r) => r.res.status === 401)!, 401, 'invalid_token');
    expect(await clientsOf(tenantId)).toHaveLength(1);
  });

  it('records the registration in the audit log (actor: the token) and the event feed, with no secret', async () => {
    const tenantId = await tenant();
    const { id, token } = await initialAccessToken(tenantId);
    const r = await register(tenantId, WEB, token);
    expect(r.res.status).toBe(201);
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`);
    const entry = (log.body.items as Record<string, unknown>[]).find((e) => e.action === 'client.created');
    expect(entry).toMatchObject({ actor: `iat:${id}`, target: { type: 'client', id: r.body.client_id } });
    const feed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/events?types=client.created`);
    expect(feed.body.items).toEqual([
      expect.objectContaining({
        type: 'client.created',
        data: expect.objectContaining({ client_id: r.body.client_id }),
      }),
    ]);
    const everything = JSON.stringify([log.body, feed.body, await tenantSnapshot(keyway, tenantId)]);
    for (const secret of [r.body.client_secret, r.body.registration_access_token, token] as string[])
      expect(everything).not.toContain(secret.slice(8));
  });
});

describe('bad registrations: a well-formed protocol error, nothing written', () => {
  let tenantId: string;
  let otherTenantId: string;
  let valid: string;

  beforeAll(async () => {
    tenantId = await tenant();
    otherTenantId = await tenant();
    valid = (await initialAccessToken(tenantId)).token;
  });

  /** Runs a refused registration and checks that the tenant's items are unchanged. */
  async function refused(status: number, error: string, body: unknown, bearer?: string, rawBody?: string) {
    const before = await tenantSnapshot(keyway, tenantId);
    const r = rawBody
      ? await call('POST', `${keyway.url}/${tenantId}/register`, { rawBody, ...(bearer ? { bearer } : {}) })
      : await register(tenantId, body, bearer);
    expectOAuthError(r, status, error);
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
    return r;
  }

  it('a bad redirect URI is invalid_redirect_uri (§3.2.2): http off loopback, a fragment, a wildcard, not absolute', async () => {
    for (const uri of ['http://app.example.com/cb', 'https://app.example.com/cb#x', 'https://*.example.com/cb', '/cb'])
      await refused(400, 'invalid_redirect_uri', { redirect_uris: [uri] }, valid);
  });

  it('other bad metadata is invalid_client_metadata (§3.2.2), malformed JSON invalid_request', async () => {
    await refused(400, 'invalid_client_metadata', { redirect_uris: [], grant_types: ['authorization_code'] }, valid);
    await refused(
      400,
      'invalid_client_metadata',
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      valid,
    );
    await refused(400, 'invalid_client_metadata', { ...WEB, token_endpoint_auth_method: 'private_key_jwt' }, valid);
    await refused(400, 'invalid_client_metadata', { ...WEB, scope: 'openid admin' }, valid);
    await refused(400, 'invalid_client_metadata', [WEB], valid);
    await refused(400, 'invalid_request', undefined, valid, '{"redirect_uris":');
  });

  it('no initial access token, or one that is malformed, unknown, of another tenant, revoked, expired or used up: 401 invalid_token (RFC 6750 §3.1)', async () => {
    await refused(401, 'invalid_token', WEB);
    await refused(401, 'invalid_token', WEB, 'not-a-token');
    await refused(401, 'invalid_token', WEB, `kw_iat_${'a'.repeat(16)}.${'A'.repeat(43)}`);
    // The right id with a wrong secret.
    await refused(401, 'invalid_token', WEB, `${valid.split('.')[0]}.${'B'.repeat(43)}`);
    await refused(401, 'invalid_token', WEB, (await initialAccessToken(otherTenantId)).token);

    const revoked = await initialAccessToken(tenantId);
    const deleted = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/initial-access-tokens/${revoked.id}`);
    expect(deleted.res.status).toBe(200);
    await refused(401, 'invalid_token', WEB, revoked.token);

    const expired = await initialAccessToken(tenantId, { expires_in: 60 });
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.initialAccessToken(tenantId, expired.id),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    await refused(401, 'invalid_token', WEB, expired.token);

    const single = await initialAccessToken(tenantId, { max_uses: 1 });
    expect((await register(tenantId, WEB, single.token)).res.status).toBe(201);
    await refused(401, 'invalid_token', WEB, single.token);
  });

  it('an unknown tenant is a 404 with an OAuth error body', async () => {
    const r = await register(`no-such-${hex()}`, WEB, valid);
    expect(r.res.status).toBe(404);
    expect(r.body).toMatchObject({ error: 'invalid_request' });
  });
});

describe('open registration (tenant setting openClientRegistration)', () => {
  it('is off by default: without a token, 401', async () => {
    const tenantId = await tenant();
    expectOAuthError(await register(tenantId, { ...WEB, token_endpoint_auth_method: 'none' }), 401, 'invalid_token');
  });

  it('registers public, third-party clients without a token; a confidential one is invalid_client_metadata', async () => {
    const tenantId = await tenant({ openClientRegistration: true });
    const r = await register(tenantId, WEB);
    expect(r.res.status, JSON.stringify(r.body)).toBe(201);
    // The auth method defaults to none here.
    expect(r.body).toMatchObject({ token_endpoint_auth_method: 'none', first_party: false });
    expect(r.body).not.toHaveProperty('client_secret');
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`);
    expect((log.body.items as Record<string, unknown>[])[0]).toMatchObject({
      action: 'client.created',
      actor: 'open_registration',
    });

    const before = await tenantSnapshot(keyway, tenantId);
    const confidential = await register(tenantId, { ...WEB, token_endpoint_auth_method: 'client_secret_basic' });
    expectOAuthError(confidential, 400, 'invalid_client_metadata');
    expect(confidential.body.error_description).toMatch(/public clients only/);
    // A presented token is checked even where registration is open.
    expectOAuthError(await register(tenantId, WEB, 'bogus'), 401, 'invalid_token');
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);

    // The public client may not switch to confidential through RFC 7592 either.
    const put = await call('PUT', r.body.registration_client_uri as string, {
      bearer: r.body.registration_access_token as string,
      body: { ...WEB, client_id: r.body.client_id, token_endpoint_auth_method: 'client_secret_post' },
    });
    expectOAuthError(put, 400, 'invalid_client_metadata');
  });
});

describe('client configuration endpoint (RFC 7592)', () => {
  let tenantId: string;
  let registered: Record<string, unknown>;
  let uri: string;
  let rat: string;

  beforeAll(async () => {
    tenantId = await tenant();
    const { token } = await initialAccessToken(tenantId, { allowed_redirect_hosts: ['app.example.com'] });
    const r = await register(
      tenantId,
      { ...WEB, post_logout_redirect_uris: ['https://app.example.com/bye'], grant_types: ['authorization_code'] },
      token,
    );
    expect(r.res.status).toBe(201);
    registered = r.body;
    uri = r.body.registration_client_uri as string;
    rat = r.body.registration_access_token as string;
  });

  it('GET (§2.1) returns the current registration without the secret, with the configuration URI and token', async () => {
    const r = await call('GET', uri, { bearer: rat });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('cache-control')).toBe('no-store');
    const { client_secret: _secret, ...withoutSecret } = registered;
    expect(r.body).toEqual(withoutSecret);
  });

  it('a missing or wrong registration access token, another client, an admin-created client or an unknown one: 401 invalid_token', async () => {
    const before = await tenantSnapshot(keyway, tenantId);
    const { token } = await initialAccessToken(tenantId);
    const other = await register(tenantId, WEB, token);
    const byAdmin = await registerClient(keyway, tenantId);
    const base = `${keyway.url}/${tenantId}/register`;
    const otherRat = other.body.registration_access_token as string;
    for (const [method, url, bearer] of [
      ['GET', uri, undefined],
      ['GET', uri, 'kw_rat_wrong'],
      ['GET', uri, otherRat],
      ['PUT', uri, otherRat],
      ['DELETE', uri, otherRat],
      ['GET', `${base}/${byAdmin.client_id}`, rat],
      ['GET', `${base}/no-such-client`, rat],
      ['GET', `${base}/${'x'.repeat(300)}`, rat],
    ] as const) {
      const r = await call(method, url, {
        ...(bearer ? { bearer } : {}),
        ...(method === 'PUT' ? { body: { ...WEB, client_id: registered.client_id } } : {}),
      });
      expectOAuthError(r, 401, 'invalid_token');
    }
    // Only the other registration and the admin's client were added.
    expect((await tenantSnapshot(keyway, tenantId)).length).toBeGreaterThan(before.length);
    expect((await call('GET', uri, { bearer: rat })).res.status).toBe(200);
  });

  it('RFC 9126 §6: require_pushed_authorization_requests is registrable, and a PUT that leaves it out resets it', async () => {
    const tenantId2 = await tenant();
    const { token } = await initialAccessToken(tenantId2);
    const r = await register(tenantId2, { ...WEB, require_pushed_authorization_requests: true }, token);
    expect(r.res.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.require_pushed_authorization_requests).toBe(true);
    const put = await call('PUT', r.body.registration_client_uri as string, {
      bearer: r.body.registration_access_token as string,
      body: { ...WEB, client_id: r.body.client_id, client_secret: r.body.client_secret },
    });
    expect(put.res.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.require_pushed_authorization_requests).toBe(false);
  });

  it('PUT (§2.2) replaces the metadata: omitted fields go back to their defaults; the admin API sees the change', async () => {
    const r = await call('PUT', uri, {
      bearer: rat,
      body: {
        client_id: registered.client_id,
        client_secret: registered.client_secret,
        redirect_uris: ['https://app.example.com/new-callback'],
        client_name: 'Partner app v2',
        // Response-only fields are ignored (§2.2).
        registration_access_token: 'ignored',
        client_id_issued_at: 1,
      },
    });
    expect(r.res.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      client_id: registered.client_id,
      client_name: 'Partner app v2',
      redirect_uris: ['https://app.example.com/new-callback'],
      post_logout_redirect_uris: [],
      client_id_issued_at: registered.client_id_issued_at,
      registration_access_token: rat,
      registration_client_uri: uri,
      first_party: false,
    });
    expect(r.body).not.toHaveProperty('client_secret');
    const seen = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/clients/${registered.client_id}`);
    expect(seen.body).toMatchObject({
      client_name: 'Partner app v2',
      redirect_uris: ['https://app.example.com/new-callback'],
    });
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`);
    expect((log.body.items as Record<string, unknown>[])[0]).toMatchObject({
      action: 'client.updated',
      actor: `client:${registered.client_id}`,
    });
    expect(JSON.stringify(log.body)).not.toContain(registered.client_secret as string);
  });

  it('PUT refuses another client_id, a wrong client_secret, a host or grant type outside the token, and malformed JSON', async () => {
    const before = await tenantSnapshot(keyway, tenantId);
    const put = (body: unknown, rawBody?: string) =>
      call('PUT', uri, { bearer: rat, ...(rawBody ? { rawBody } : { body }) });
    const id = registered.client_id;
    expectOAuthError(await put({ ...WEB, client_id: 'someone-else' }), 400, 'invalid_client_metadata');
    expectOAuthError(await put(WEB), 400, 'invalid_client_metadata');
    expectOAuthError(await put({ ...WEB, client_id: id, client_secret: 'kws_wrong' }), 400, 'invalid_client_metadata');
    expectOAuthError(
      await put({ client_id: id, redirect_uris: ['https://elsewhere.example.org/cb'] }),
      400,
      'invalid_redirect_uri',
    );
    expectOAuthError(
      await put({ client_id: id, redirect_uris: ['http://app.example.com/cb'] }),
      400,
      'invalid_redirect_uri',
    );
    expectOAuthError(
      await put({ ...WEB, client_id: id, grant_types: ['refresh_token'] }),
      400,
      'invalid_client_metadata',
    );
    expectOAuthError(await put(undefined, '{"client_id":'), 400, 'invalid_request');
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });

  it('DELETE (§2.3) answers 204 and deletes the client: its credentials and its registration access token stop working', async () => {
    const { token } = await initialAccessToken(tenantId);
    const doomed = await register(tenantId, WEB, token);
    const doomedUri = doomed.body.registration_client_uri as string;
    const doomedRat = doomed.body.registration_access_token as string;
    const r = await call('DELETE', doomedUri, { bearer: doomedRat });
    expect(r.res.status).toBe(204);
    expect(
      await (await fetch(doomedUri, { method: 'DELETE', headers: { Authorization: `Bearer ${doomedRat}` } })).status,
    ).toBe(401);
    expectOAuthError(await call('GET', doomedUri, { bearer: doomedRat }), 401, 'invalid_token');
    const gone = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/clients/${doomed.body.client_id}`);
    expect(gone.res.status).toBe(404);
    const basic = Buffer.from(`${doomed.body.client_id}:${doomed.body.client_secret}`).toString('base64');
    const tokenAttempt = await tokenRequest(
      keyway,
      tenantId,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) },
      { Authorization: `Basic ${basic}` },
    );
    expect(tokenAttempt.res.status).toBe(401);
    expect(tokenAttempt.body.error).toBe('invalid_client');
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`);
    expect((log.body.items as Record<string, unknown>[])[0]).toMatchObject({
      action: 'client.deleted',
      actor: `client:${doomed.body.client_id}`,
    });
  });

  it('a dynamically registered client is a normal client: the admin API may change and delete it', async () => {
    const { token } = await initialAccessToken(tenantId);
    const r = await register(tenantId, WEB, token);
    const path = `/admin/tenants/${tenantId}/clients/${r.body.client_id}`;
    const patched = await admin(keyway, 'PATCH', path, { body: { client_name: 'Renamed by admin' } });
    expect(patched.res.status).toBe(200);
    // The registration survives an admin edit: RFC 7592 still works.
    const read = await call('GET', r.body.registration_client_uri as string, {
      bearer: r.body.registration_access_token as string,
    });
    expect(read.body.client_name).toBe('Renamed by admin');
    expect((await admin(keyway, 'DELETE', path)).res.status).toBe(200);
    const after = await call('GET', r.body.registration_client_uri as string, {
      bearer: r.body.registration_access_token as string,
    });
    expectOAuthError(after, 401, 'invalid_token');
  });
});
