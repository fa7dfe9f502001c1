import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceIdOf } from '../../lambdas/core/store/resources.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

const resourcesPath = (tenantId: string) => `/admin/tenants/${tenantId}/resources`;
const resourcePath = (tenantId: string, id: string) => `${resourcesPath(tenantId)}/${id}`;
const API = { identifier: 'https://api.example.com/orders', name: 'Orders API', scopes: ['orders:read'] };

async function auditActions(tenantId: string) {
  const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`);
  return log.body.items as { action: string; target: { type: string; id: string }; changes: object }[];
}

/** A refused POST: 400 problem details whose detail names the field, and not one item of the tenant written. */
async function expectRefused(tenantId: string, body: unknown, field: string) {
  const before = await tenantSnapshot(keyway, tenantId);
  const r = await admin(keyway, 'POST', resourcesPath(tenantId), { body });
  expect(r.res.status, JSON.stringify(body)).toBe(400);
  expect(r.res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(r.body, JSON.stringify(body)).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(String(r.body.detail), JSON.stringify(body)).toMatch(new RegExp(`^${field}`));
  expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  return r;
}

describe('resource servers (RFC 8707): register, read, list, delete', () => {
  it('POST registers a resource: 201, a Location, the id derived from the identifier; GET reads the same view', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'rs-create');
    const created = await admin(keyway, 'POST', resourcesPath(tenantId), {
      key,
      body: { ...API, scopes: ['orders:read', 'orders:write'], access_token_lifetime: 300 },
    });
    expect(created.res.status, JSON.stringify(created.body)).toBe(201);
    const id = resourceIdOf(API.identifier);
    expect(created.body).toEqual({
      id,
      identifier: API.identifier,
      name: 'Orders API',
      scopes: ['orders:read', 'orders:write'],
      access_token_lifetime: 300,
      client_id: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(id).toMatch(/^rs_[A-Za-z0-9_-]{22}$/);
    expect(created.res.headers.get('location')).toBe(`${keyway.baseUrl}${resourcePath(tenantId, id)}`);

    const got = await admin(keyway, 'GET', resourcePath(tenantId, id), { key });
    expect(got.res.status).toBe(200);
    expect(got.body).toEqual(created.body);
  });

  it('a resource without access_token_lifetime or client_id shows both as null, and may have no scopes', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-minimal');
    const created = await admin(keyway, 'POST', resourcesPath(tenantId), {
      body: { identifier: 'urn:example:ledger', name: 'Ledger', scopes: [] },
    });
    expect(created.res.status).toBe(201);
    expect(created.body).toMatchObject({ scopes: [], access_token_lifetime: null, client_id: null });
  });

  it('GET lists the resources a page at a time, next_cursor leading to the rest and null on the last page', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'rs-list');
    const identifiers = ['https://a.example.com', 'https://b.example.com', 'http://localhost:4000/api'];
    for (const identifier of identifiers) {
      const r = await admin(keyway, 'POST', resourcesPath(tenantId), { body: { ...API, identifier } });
      expect(r.res.status).toBe(201);
    }
    const first = await admin(keyway, 'GET', `${resourcesPath(tenantId)}?limit=2`, { key });
    expect(first.res.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const rest = await admin(
      keyway,
      'GET',
      `${resourcesPath(tenantId)}?limit=2&cursor=${encodeURIComponent(String(first.body.next_cursor))}`,
      { key },
    );
    expect(rest.body.next_cursor).toBeNull();
    const all = [...(first.body.items as { identifier: string }[]), ...(rest.body.items as { identifier: string }[])];
    expect(all.map((r) => r.identifier).sort()).toEqual([...identifiers].sort());
    // The listing holds resources only, not the tenant's clients or roles in the same partition.
    await registerClient(keyway, tenantId);
    const again = await admin(keyway, 'GET', resourcesPath(tenantId), { key });
    expect(again.body.items).toHaveLength(3);
  });

  it('a forged cursor or an unknown query parameter on the list is a 400, not a 500', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-list-bad');
    expect((await admin(keyway, 'GET', `${resourcesPath(tenantId)}?cursor=forged`)).res.status).toBe(400);
    expect((await admin(keyway, 'GET', `${resourcesPath(tenantId)}?limit=0`)).res.status).toBe(400);
    expect((await admin(keyway, 'GET', `${resourcesPath(tenantId)}?identifier=x`)).res.status).toBe(400);
  });

  it('registering an identifier a second time is a 409 and changes nothing, even with another name or scopes', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-duplicate');
    expect((await admin(keyway, 'POST', resourcesPath(tenantId), { body: API })).res.status).toBe(201);
    const before = await tenantSnapshot(keyway, tenantId);
    const again = await admin(keyway, 'POST', resourcesPath(tenantId), {
      body: { ...API, name: 'Other', scopes: ['other'] },
    });
    expect(again.res.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, detail: expect.stringContaining(API.identifier) });
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });

  it('the same identifier in two tenants is two resources, each visible to its own tenant only', async () => {
    const a = await tenantWithKey(keyway, 'rs-tenant-a');
    const b = await tenantWithKey(keyway, 'rs-tenant-b');
    expect((await admin(keyway, 'POST', resourcesPath(a.tenantId), { key: a.key, body: API })).res.status).toBe(201);
    expect((await admin(keyway, 'POST', resourcesPath(b.tenantId), { key: b.key, body: API })).res.status).toBe(201);
    const id = resourceIdOf(API.identifier);
    expect((await admin(keyway, 'DELETE', resourcePath(a.tenantId, id), { key: a.key })).res.status).toBe(200);
    expect((await admin(keyway, 'GET', resourcePath(b.tenantId, id), { key: b.key })).res.status).toBe(200);
    const foreign = await admin(keyway, 'GET', resourcePath(b.tenantId, id), { key: a.key });
    expect(foreign.res.status).toBe(404);
    expect(foreign.body).toMatchObject({ detail: 'No such tenant.' });
  });

  it('GET or DELETE of an unknown or malformed resource id is a 404 problem', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-unknown');
    for (const id of [resourceIdOf('https://never.example.com'), 'rs_short', 'not-an-id', 'x'.repeat(2000)]) {
      for (const method of ['GET', 'DELETE']) {
        const r = await admin(keyway, method, resourcePath(tenantId, id));
        expect(r.res.status, `${method} ${id}`).toBe(404);
        expect(r.body, `${method} ${id}`).toMatchObject({
          status: 404,
          code: 'not_found',
          detail: 'No such resource.',
        });
      }
    }
  });

  it('DELETE removes the resource ({ id, deleted: true }); then it is 404 and its identifier may be registered again', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'rs-delete');
    const id = String((await admin(keyway, 'POST', resourcesPath(tenantId), { body: API })).body.id);
    const deleted = await admin(keyway, 'DELETE', resourcePath(tenantId, id), { key });
    expect(deleted.res.status).toBe(200);
    expect(deleted.body).toEqual({ id, deleted: true });
    expect((await admin(keyway, 'GET', resourcePath(tenantId, id))).res.status).toBe(404);
    expect((await admin(keyway, 'DELETE', resourcePath(tenantId, id))).res.status).toBe(404);
    expect((await admin(keyway, 'GET', resourcesPath(tenantId))).body.items).toEqual([]);
    expect((await admin(keyway, 'POST', resourcesPath(tenantId), { body: API })).res.status).toBe(201);
  });

  it('a read-only tenant key may list and read resources but not register or delete one (403)', async () => {
    const reader = await tenantWithKey(keyway, 'rs-read-only', ['read']);
    const id = String((await admin(keyway, 'POST', resourcesPath(reader.tenantId), { body: API })).body.id);
    expect((await admin(keyway, 'GET', resourcesPath(reader.tenantId), { key: reader.key })).res.status).toBe(200);
    expect((await admin(keyway, 'GET', resourcePath(reader.tenantId, id), { key: reader.key })).res.status).toBe(200);
    const post = await admin(keyway, 'POST', resourcesPath(reader.tenantId), {
      key: reader.key,
      body: { ...API, identifier: 'https://other.example.com' },
    });
    expect(post.res.status).toBe(403);
    expect((await admin(keyway, 'DELETE', resourcePath(reader.tenantId, id), { key: reader.key })).res.status).toBe(
      403,
    );
  });
});

describe('resource validation: every refused body is a 400 problem naming the field, and writes nothing', () => {
  let tenantId: string;
  beforeAll(async () => {
    ({ tenantId } = await tenantWithKey(keyway, 'rs-validation'));
  });

  it.each([
    ['identifier must be an absolute URI: a bare host has no scheme (RFC 8707 §2)', 'api.example.com'],
    ['identifier must be an absolute URI: a relative path has no scheme', '/orders'],
    ['identifier must not have a fragment (RFC 8707 §2)', 'https://api.example.com/orders#v1'],
    ['identifier must use https: plain http to a public host is refused', 'http://api.example.com'],
    ['identifier may use http only on localhost or 127.0.0.1, not on another loopback name', 'http://[::1]/api'],
    [
      'identifier may use http only on localhost, not on a host that merely starts with it',
      'http://localhost.evil.com',
    ],
    ['identifier schemes other than https, http and urn are refused', 'ftp://files.example.com'],
    ['identifier schemes are lower case', 'HTTPS://api.example.com'],
    ['identifier must have a host', 'https:///orders'],
    ['identifier must not carry userinfo', 'https://user:secret@api.example.com'],
    ['identifier must have a valid port', 'https://api.example.com:99999'],
    ['identifier has RFC 3986 characters only (a space)', 'https://api.example.com/my orders'],
    ['identifier has RFC 3986 characters only (non-ASCII)', 'https://bücher.example.com'],
    ['identifier as a urn needs a namespace and a name (RFC 8141)', 'urn:orders'],
    ['identifier is at most 2,000 characters', `https://api.example.com/${'a'.repeat(1977)}`],
    ['identifier must not be empty', ''],
  ])('%s', async (_rule, identifier) => {
    await expectRefused(tenantId, { ...API, identifier }, 'identifier');
  });

  it('identifier: https, http on localhost and 127.0.0.1 (with a port and path), a query, and a urn are accepted', async () => {
    for (const identifier of [
      'https://api.example.com',
      'https://api.example.com:8443/v1?tenant=a',
      'http://localhost:8080/api',
      'http://127.0.0.1/api',
      'urn:example:orders-api',
      `https://api.example.com/${'a'.repeat(1976)}`,
    ]) {
      const r = await admin(keyway, 'POST', resourcesPath(tenantId), { body: { ...API, identifier } });
      expect(r.res.status, identifier).toBe(201);
      expect(r.body.identifier, identifier).toBe(identifier); // kept exactly as given: it becomes `aud`
    }
  });

  it.each([
    ['name is required', { identifier: API.identifier, scopes: [] }],
    ['name must not be empty (after trimming)', { ...API, name: '   ' }],
    ['name is at most 100 characters', { ...API, name: 'n'.repeat(101) }],
  ])('%s', async (_rule, body) => {
    await expectRefused(tenantId, body, 'name');
  });

  it.each([
    ['scopes is required', { identifier: API.identifier, name: API.name }],
    ['scopes is an array', { ...API, scopes: 'orders:read' }],
    ['scopes must not repeat', { ...API, scopes: ['orders:read', 'orders:read'] }],
    ['scopes holds at most 50 scopes', { ...API, scopes: Array.from({ length: 51 }, (_, i) => `s${i}`) }],
    ['a scope is at most 100 characters', { ...API, scopes: ['s'.repeat(101)] }],
    ['a scope is not empty', { ...API, scopes: [''] }],
    ['a scope is an RFC 6749 §3.3 scope-token: no space', { ...API, scopes: ['orders read'] }],
    ['a scope is an RFC 6749 §3.3 scope-token: no double quote', { ...API, scopes: ['orders"read'] }],
    ['a scope is an RFC 6749 §3.3 scope-token: no backslash', { ...API, scopes: ['orders\\read'] }],
    ['a scope is an RFC 6749 §3.3 scope-token: no non-ASCII', { ...API, scopes: ['bestellungen:lesen:ü'] }],
    ['openid is an OpenID scope, not a resource scope', { ...API, scopes: ['orders:read', 'openid'] }],
    ['profile is an OpenID scope, not a resource scope', { ...API, scopes: ['profile'] }],
    ['email is an OpenID scope, not a resource scope', { ...API, scopes: ['email'] }],
    ['offline_access is an OpenID scope, not a resource scope', { ...API, scopes: ['offline_access'] }],
  ])('%s', async (_rule, body) => {
    await expectRefused(tenantId, body, 'scopes');
  });

  it('scopes: 50 distinct scope-tokens of 100 characters, with any printable punctuation but " and \\, are accepted', async () => {
    const scopes = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')}!#$%&'()*+,-./:;<=>?@[]^_\`{|}~`);
    scopes[0] = 'x'.repeat(100);
    const r = await admin(keyway, 'POST', resourcesPath(tenantId), {
      body: { ...API, identifier: 'https://many-scopes.example.com', scopes },
    });
    expect(r.res.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.scopes).toEqual(scopes);
  });

  it.each([
    ['access_token_lifetime is at least 60 seconds', 59],
    ['access_token_lifetime is at most 86,400 seconds (a day)', 86_401],
    ['access_token_lifetime is a whole number of seconds', 90.5],
    ['access_token_lifetime is a number, not a string', '600'],
  ])('%s', async (_rule, lifetime) => {
    await expectRefused(tenantId, { ...API, access_token_lifetime: lifetime }, 'access_token_lifetime');
  });

  it('access_token_lifetime: 60 and 86,400 seconds are accepted', async () => {
    for (const [i, lifetime] of [60, 86_400].entries()) {
      const r = await admin(keyway, 'POST', resourcesPath(tenantId), {
        body: { ...API, identifier: `https://lifetime-${i}.example.com`, access_token_lifetime: lifetime },
      });
      expect(r.res.status).toBe(201);
      expect(r.body.access_token_lifetime).toBe(lifetime);
    }
  });

  it('an unknown field is refused (the body is a strict object)', async () => {
    await expectRefused(tenantId, { ...API, audience: 'x' }, 'Unrecognized key');
  });

  it('a body that is not a JSON object is a 400', async () => {
    for (const rawBody of ['{"identifier":', '[1,2]', '"text"', 'null']) {
      const r = await admin(keyway, 'POST', resourcesPath(tenantId), { rawBody });
      expect(r.res.status, rawBody).toBe(400);
    }
    const none = await admin(keyway, 'POST', resourcesPath(tenantId));
    expect(none.res.status).toBe(400);
  });
});

describe('client_id: the confidential client the resource server introspects as', () => {
  it('an existing confidential client of the tenant is stored and shown as client_id', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client');
    const client = await registerClient(keyway, tenantId, { grant_types: ['client_credentials'], redirect_uris: [] });
    const r = await admin(keyway, 'POST', resourcesPath(tenantId), { body: { ...API, client_id: client.client_id } });
    expect(r.res.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.client_id).toBe(client.client_id);
    expect((await admin(keyway, 'GET', resourcePath(tenantId, String(r.body.id)))).body.client_id).toBe(
      client.client_id,
    );
  });

  it('client_id of no client of the tenant is a 400 that says so, also when the client is in another tenant', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-unknown');
    const other = await tenantWithKey(keyway, 'rs-client-elsewhere');
    const elsewhere = await registerClient(keyway, other.tenantId);
    for (const clientId of ['no-such-client', elsewhere.client_id]) {
      const r = await expectRefused(tenantId, { ...API, client_id: clientId }, 'client_id');
      expect(r.body.detail).toContain('no client');
    }
  });

  it('client_id of a public client (token_endpoint_auth_method none) is a 400: it cannot authenticate to introspect', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-public');
    const spa = await registerClient(keyway, tenantId, { token_endpoint_auth_method: 'none' });
    const r = await expectRefused(tenantId, { ...API, client_id: spa.client_id }, 'client_id');
    expect(r.body.detail).toContain('public client');
  });

  it('client_id must be a non-empty string of at most 200 characters', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-shape');
    for (const clientId of ['', 'c'.repeat(201), 42])
      await expectRefused(tenantId, { ...API, client_id: clientId }, 'client_id');
  });
});

describe('Idempotency-Key and the audit log', () => {
  it('a POST retried with the same Idempotency-Key replays the 201 (Idempotent-Replayed) and registers once', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-idempotent');
    const headers = { 'Idempotency-Key': randomUUID() };
    const first = await admin(keyway, 'POST', resourcesPath(tenantId), { body: API, headers });
    const second = await admin(keyway, 'POST', resourcesPath(tenantId), { body: API, headers });
    expect(first.res.status).toBe(201);
    expect(second.res.status).toBe(201); // not the 409 a second registration would be
    expect(second.res.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.res.headers.get('location')).toBe(first.res.headers.get('location'));
    expect((await admin(keyway, 'GET', resourcesPath(tenantId))).body.items).toHaveLength(1);
    expect((await auditActions(tenantId)).filter((e) => e.action === 'resource.created')).toHaveLength(1);

    const other = await admin(keyway, 'POST', resourcesPath(tenantId), { body: { ...API, name: 'Changed' }, headers });
    expect(other.res.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('registering and deleting write resource.created and resource.deleted entries targeting the resource', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(keyway, 'rs-audit');
    const body = { ...API, access_token_lifetime: 120 };
    const id = String((await admin(keyway, 'POST', resourcesPath(tenantId), { key, body })).body.id);
    expect((await admin(keyway, 'DELETE', resourcePath(tenantId, id))).res.status).toBe(200);
    const [deleted, created] = await auditActions(tenantId);
    expect(created).toMatchObject({
      action: 'resource.created',
      actor: `key:${keyId}`,
      target: { type: 'resource', id },
      changes: body,
    });
    expect(deleted).toMatchObject({
      action: 'resource.deleted',
      actor: 'operator',
      target: { type: 'resource', id },
      changes: { identifier: API.identifier, name: API.name },
    });
  });

  it('a refused registration (duplicate, bad input) writes no audit entry', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-audit-refused');
    await admin(keyway, 'POST', resourcesPath(tenantId), { body: API });
    await admin(keyway, 'POST', resourcesPath(tenantId), { body: API });
    await admin(keyway, 'POST', resourcesPath(tenantId), { body: { ...API, identifier: 'http://x.example.com' } });
    expect((await auditActions(tenantId)).filter((e) => e.action.startsWith('resource.'))).toHaveLength(1);
  });
});

describe('client metadata `resources`: the resource servers a client may ask tokens for', () => {
  const clientsPath = (tenantId: string) => `/admin/tenants/${tenantId}/clients`;
  const clientPath = (tenantId: string, clientId: string) => `${clientsPath(tenantId)}/${clientId}`;

  it('round trip: registered with resources, read back, changed by PATCH, and back to null (any registered resource)', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'rs-client-meta');
    const resources = ['https://api.example.com/orders', 'urn:example:ledger'];
    const client = await registerClient(keyway, tenantId, { resources });
    expect(client.resources).toEqual(resources);
    const clientId = client.client_id;
    expect((await admin(keyway, 'GET', clientPath(tenantId, clientId), { key })).body.resources).toEqual(resources);

    const narrowed = await admin(keyway, 'PATCH', clientPath(tenantId, clientId), {
      key,
      body: { resources: ['urn:example:ledger'] },
    });
    expect(narrowed.res.status).toBe(200);
    expect(narrowed.body.resources).toEqual(['urn:example:ledger']);
    // Other metadata is untouched by a PATCH of resources, and resources by a PATCH of other metadata.
    const renamed = await admin(keyway, 'PATCH', clientPath(tenantId, clientId), { body: { client_name: 'Renamed' } });
    expect(renamed.body).toMatchObject({ client_name: 'Renamed', resources: ['urn:example:ledger'] });

    const none = await admin(keyway, 'PATCH', clientPath(tenantId, clientId), { body: { resources: [] } });
    expect(none.body.resources).toEqual([]);
    const any = await admin(keyway, 'PATCH', clientPath(tenantId, clientId), { body: { resources: null } });
    expect(any.res.status).toBe(200);
    expect(any.body.resources).toBeNull();
    expect((await admin(keyway, 'GET', clientPath(tenantId, clientId))).body.resources).toBeNull();
    const stored = await keyway.store.clients.findClient(tenantId, clientId);
    expect(stored).not.toHaveProperty('resources');
  });

  it('a client registered without resources shows resources: null', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-meta-none');
    const client = await registerClient(keyway, tenantId);
    expect(client.resources).toBeNull();
    const listed = (await admin(keyway, 'GET', clientsPath(tenantId))).body.items as Record<string, unknown>[];
    expect(listed[0]?.resources).toBeNull();
  });

  it('resources need not be registered yet (authorize and token check them): an unregistered identifier is accepted', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-meta-later');
    const client = await registerClient(keyway, tenantId, { resources: ['https://not-yet.example.com'] });
    expect(client.resources).toEqual(['https://not-yet.example.com']);
    expect((await admin(keyway, 'GET', resourcesPath(tenantId))).body.items).toEqual([]);
  });

  it.each([
    ['each of resources follows the identifier rules: no fragment', ['https://api.example.com#x']],
    ['each of resources follows the identifier rules: https outside localhost', ['http://api.example.com']],
    ['each of resources follows the identifier rules: an absolute URI', ['orders']],
    ['resources must not repeat', ['https://api.example.com', 'https://api.example.com']],
    ['resources holds at most 20 identifiers', Array.from({ length: 21 }, (_, i) => `https://api${i}.example.com`)],
    ['resources is an array of strings', 'https://api.example.com'],
  ])('%s: 400 invalid_client_metadata on POST and on PATCH, nothing written', async (_rule, resources) => {
    const { tenantId } = await tenantWithKey(keyway, `rs-cm-${randomUUID().slice(0, 8)}`);
    const client = await registerClient(keyway, tenantId);
    const before = await tenantSnapshot(keyway, tenantId);
    const created = await admin(keyway, 'POST', clientsPath(tenantId), {
      body: { redirect_uris: ['https://app.example.com/cb'], resources },
    });
    expect(created.res.status).toBe(400);
    expect(created.body).toMatchObject({ status: 400, error: 'invalid_client_metadata' });
    expect(String(created.body.detail)).toMatch(/^resources/);
    const patched = await admin(keyway, 'PATCH', clientPath(tenantId, client.client_id), { body: { resources } });
    expect(patched.res.status).toBe(400);
    expect(patched.body).toMatchObject({ error: 'invalid_client_metadata' });
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });

  it('20 distinct identifiers are accepted', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-meta-20');
    const resources = Array.from({ length: 20 }, (_, i) => `https://api${i}.example.com`);
    const client = await registerClient(keyway, tenantId, { resources });
    expect(client.resources).toEqual(resources);
  });

  it('the client.created audit entry records resources', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rs-client-meta-audit');
    const client = await registerClient(keyway, tenantId, { resources: ['urn:example:ledger'] });
    const [entry] = await auditActions(tenantId);
    expect(entry).toMatchObject({
      action: 'client.created',
      target: { id: client.client_id },
      changes: { resources: ['urn:example:ledger'] },
    });
  });
});
