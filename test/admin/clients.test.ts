import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  basicAuth,
  getCode,
  REDIRECT_URI,
  redeem,
  registerClient,
  signedInUser,
  tokenRequest,
} from '../support/oidc.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

const clientPath = (tenantId: string, clientId: string) => `/admin/tenants/${tenantId}/clients/${clientId}`;

async function preflightAllowed(tenantId: string, origin: string): Promise<boolean> {
  const res = await fetch(`${keyway.url}/${tenantId}/token`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
  });
  return res.headers.get('access-control-allow-origin') === origin;
}

describe('clients', () => {
  it('token_exchange (RFC 8693 policy): registered, shown, changed by PATCH, removed with null; bad bounds are 400', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'client-token-exchange');
    const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
    const agent = await registerClient(keyway, tenantId, {
      redirect_uris: [],
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      token_exchange: { scopes: ['openid', 'invoices:read'], max_lifetime: 600 },
    });
    expect(agent.token_exchange).toEqual({ scopes: ['openid', 'invoices:read'], resources: null, max_lifetime: 600 });
    const patched = await admin(keyway, 'PATCH', clientPath(tenantId, agent.client_id), {
      key,
      body: { token_exchange: { resources: ['https://api.example.com'] } },
    });
    expect(patched.body.token_exchange).toEqual({
      scopes: null,
      resources: ['https://api.example.com'],
      max_lifetime: null,
    });
    const removed = await admin(keyway, 'PATCH', clientPath(tenantId, agent.client_id), {
      key,
      body: { token_exchange: null },
    });
    expect(removed.body.token_exchange).toBeNull();
    for (const token_exchange of [
      { max_lifetime: 30 },
      { scopes: ['a b'] },
      { scopes: ['x', 'x'] },
      { resources: ['ftp://x'] },
      { other: 1 },
    ]) {
      const bad = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
        key,
        body: { redirect_uris: [], grant_types: ['client_credentials'], token_exchange },
      });
      expect(bad.res.status, JSON.stringify(token_exchange)).toBe(400);
    }
    const publicExchanger = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
      key,
      body: { redirect_uris: [], grant_types: [TOKEN_EXCHANGE], token_endpoint_auth_method: 'none' },
    });
    expect(publicExchanger.res.status).toBe(400);
    expect(publicExchanger.body.error).toBe('invalid_client_metadata');
  });

  it('first_party: true unless registered false; PATCH changes it; a client stored before the field is first-party', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'client-first-party');
    const own = await registerClient(keyway, tenantId);
    expect(own.first_party).toBe(true);
    const partner = await registerClient(keyway, tenantId, { first_party: false });
    expect(partner.first_party).toBe(false);
    expect((await admin(keyway, 'GET', clientPath(tenantId, partner.client_id), { key })).body.first_party).toBe(false);
    const patched = await admin(keyway, 'PATCH', clientPath(tenantId, partner.client_id), {
      key,
      body: { first_party: true },
    });
    expect(patched.body.first_party).toBe(true);
    expect((await keyway.store.clients.findClient(tenantId, partner.client_id))?.firstParty).toBe(true);
    const bad = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
      key,
      body: { redirect_uris: [REDIRECT_URI], first_party: 'no' },
    });
    expect(bad.res.status).toBe(400);
    expect(bad.body.error).toBe('invalid_client_metadata');
    // Stored before first_party existed: no field, shown (and treated) as first-party.
    const stored = (await keyway.store.clients.findClient(tenantId, own.client_id, true))!;
    const { firstParty: _, ...old } = stored;
    await keyway.store.clients.putSeededClient(old);
    expect((await admin(keyway, 'GET', clientPath(tenantId, own.client_id), { key })).body.first_party).toBe(true);
  });

  it('GET reads the RFC 7591 metadata without any secret; PATCH changes it and keeps what was not sent', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'client-patch');
    const client = await registerClient(keyway, tenantId);
    const got = await admin(keyway, 'GET', clientPath(tenantId, client.client_id), { key });
    expect(got.res.status).toBe(200);
    expect(got.body).toMatchObject({
      client_id: client.client_id,
      redirect_uris: [REDIRECT_URI],
      client_name: 'Test app',
    });
    expect(got.body).not.toHaveProperty('client_secret');
    expect(JSON.stringify(got.body)).not.toMatch(/kws_|secretHash/);

    const patched = await admin(keyway, 'PATCH', clientPath(tenantId, client.client_id), {
      key,
      body: { client_name: 'Renamed', redirect_uris: ['https://new.example.com/cb', 'http://127.0.0.1/cb'], extra: 1 },
    });
    expect(patched.res.status).toBe(200);
    expect(patched.body).toMatchObject({
      client_name: 'Renamed',
      redirect_uris: ['https://new.example.com/cb', 'http://127.0.0.1/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(patched.body).not.toHaveProperty('extra'); // RFC 7591 §2: unknown metadata is ignored
    expect((await admin(keyway, 'GET', clientPath(tenantId, client.client_id))).body).toEqual(patched.body);
  });

  it('RFC 8252 §7.3/§8.3, RFC 9700 §4.1.3: redirect URIs are validated on every write; a refused PATCH changes nothing', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'client-redirects');
    const client = await registerClient(keyway, tenantId);
    const before = await tenantSnapshot(keyway, tenantId);
    for (const uri of [
      'http://app.example.com/cb',
      'https://app.example.com/cb#frag',
      'https://*.example.com/cb',
      'https://user:pw@app.example.com/cb',
      'https:///cb',
      '/relative',
    ]) {
      const r = await admin(keyway, 'PATCH', clientPath(tenantId, client.client_id), {
        body: { redirect_uris: [uri] },
      });
      expect(r.res.status, uri).toBe(400);
      expect(r.body, uri).toMatchObject({ error: 'invalid_redirect_uri' });
      const created = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
        body: { redirect_uris: [uri] },
      });
      expect(created.res.status, uri).toBe(400);
    }
    for (const uri of ['http://localhost:8080/cb', 'http://[::1]/cb', 'com.example.app:/cb']) {
      const r = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
        body: { redirect_uris: [uri], token_endpoint_auth_method: 'none' },
      });
      expect(r.res.status, uri).toBe(201);
    }
    const switched = await admin(keyway, 'PATCH', clientPath(tenantId, client.client_id), {
      body: { token_endpoint_auth_method: 'none' },
    });
    expect(switched.res.status).toBe(400);
    expect((await tenantSnapshot(keyway, tenantId)).filter((i) => i.includes(client.client_id))).toEqual(
      before.filter((i) => i.includes(client.client_id)),
    );
  });

  it('CORS origins follow the redirect URIs of live clients: editing or deleting one client never drops another’s', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'client-cors');
    const origin = 'https://spa.example.com';
    const one = await registerClient(keyway, tenantId, { redirect_uris: [`${origin}/cb`] });
    const two = await registerClient(keyway, tenantId, { redirect_uris: [`${origin}/other`] });
    expect(await preflightAllowed(tenantId, origin)).toBe(true);
    await admin(keyway, 'PATCH', clientPath(tenantId, one.client_id), {
      body: { redirect_uris: ['https://elsewhere.example.com/cb'] },
    });
    expect(await preflightAllowed(tenantId, origin)).toBe(true); // still registered by `two`
    expect(await preflightAllowed(tenantId, 'https://elsewhere.example.com')).toBe(true);
    await admin(keyway, 'DELETE', clientPath(tenantId, two.client_id));
    expect(await preflightAllowed(tenantId, origin)).toBe(false);
  });

  it('rotating the secret returns a new one once; the old one works until previous_secret_expires_at, or not at all with overlap 0', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'client-rotate');
    const client = await registerClient(keyway, tenantId);
    const ctx = { tenantId, client };
    const { cookie } = await signedInUser(keyway, tenantId);
    const works = async (secret: string) => {
      const { code, verifier } = await getCode(keyway, ctx, cookie);
      return (await redeem(keyway, { tenantId, client: { ...client, client_secret: secret } }, code, verifier)).res
        .status;
    };

    const rotated = await admin(keyway, 'POST', `${clientPath(tenantId, client.client_id)}/secret`, { body: {} });
    expect(rotated.res.status).toBe(200);
    const newSecret = rotated.body.client_secret as string;
    expect(newSecret).toMatch(/^kws_/);
    const expires = rotated.body.previous_secret_expires_at as number;
    expect(expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(24 * 3600 - 60);
    expect(await works(newSecret)).toBe(200);
    expect(await works(client.client_secret!)).toBe(200); // inside the overlap

    const revokeNow = await admin(keyway, 'POST', `${clientPath(tenantId, client.client_id)}/secret`, {
      body: { overlap_seconds: 0 },
    });
    expect(revokeNow.body.previous_secret_expires_at).toBeNull();
    expect(await works(newSecret)).toBe(401);
    expect(await works(client.client_secret!)).toBe(401);
    expect(await works(revokeNow.body.client_secret as string)).toBe(200);

    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log?limit=2`);
    expect((log.body.items as { action: string }[]).map((e) => e.action)).toEqual([
      'client.secret_rotated',
      'client.secret_rotated',
    ]);
    expect(JSON.stringify(log.body)).not.toContain(newSecret);
  });

  it('deleting a client ends its tokens: its credentials are refused, its access and refresh tokens are inactive', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'client-delete');
    const doomed = await registerClient(keyway, tenantId);
    const resourceServer = await registerClient(keyway, tenantId);
    const { cookie } = await signedInUser(keyway, tenantId);
    const { code, verifier } = await getCode(keyway, { tenantId, client: doomed }, cookie);
    const tokens = (await redeem(keyway, { tenantId, client: doomed }, code, verifier)).body;

    const deleted = await admin(keyway, 'DELETE', clientPath(tenantId, doomed.client_id));
    expect(deleted.res.status).toBe(200);
    expect((await admin(keyway, 'GET', clientPath(tenantId, doomed.client_id))).res.status).toBe(404);

    const refresh = await tokenRequest(
      keyway,
      tenantId,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string },
      { Authorization: basicAuth(doomed) },
    );
    expect(refresh.res.status).toBe(401);
    expect(refresh.body).toMatchObject({ error: 'invalid_client' });
    for (const token of [tokens.access_token, tokens.refresh_token] as string[]) {
      const introspected = await fetch(`${keyway.url}/${tenantId}/introspect`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(resourceServer) },
        body: new URLSearchParams({ token }),
      });
      expect(await introspected.json()).toEqual({ active: false });
    }
    const userinfo = await fetch(`${keyway.url}/${tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('lists clients with pagination; unknown client ids are 404', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'client-list');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await registerClient(keyway, tenantId)).client_id);
    const first = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/clients?limit=2`);
    const rest = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/clients?cursor=${first.body.next_cursor}`);
    const listed = [...(first.body.items as { client_id: string }[]), ...(rest.body.items as { client_id: string }[])];
    expect(listed.map((c) => c.client_id).sort()).toEqual(ids.sort());
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const r = await admin(
        keyway,
        method,
        clientPath(tenantId, 'no-such-client'),
        method === 'PATCH' ? { body: {} } : {},
      );
      expect(r.res.status, method).toBe(404);
    }
    expect((await admin(keyway, 'POST', `${clientPath(tenantId, 'nope')}/secret`, { body: {} })).res.status).toBe(404);
  });
});
