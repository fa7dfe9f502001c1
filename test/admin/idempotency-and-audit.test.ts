import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

const keysOf = async (tenantId: string) =>
  (await admin(keyway, 'GET', `/admin/tenants/${tenantId}/api-keys`)).body.items as { id: string; name: string }[];

describe('Idempotency-Key (draft-ietf-httpapi-idempotency-key-header, Stripe semantics)', () => {
  it('replays the first status and body (one-time secret withheld) for the same key and body, with Idempotent-Replayed, executing once', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'idem-replay');
    const key = randomUUID();
    const post = () =>
      admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
        body: { name: 'once' },
        headers: { 'Idempotency-Key': `"${key}"` },
      });
    const first = await post();
    const second = await post();
    expect(first.res.status).toBe(201);
    expect(first.res.headers.get('idempotent-replayed')).toBeNull();
    expect(second.res.status).toBe(201);
    expect(second.res.headers.get('idempotent-replayed')).toBe('true');
    // The stored copy keeps no secret: a replay says what was created, with the one-time secret withheld.
    expect(second.body).toEqual({ ...first.body, secret: null });
    const stored = (await tenantSnapshot(keyway, tenantId)).join('\n');
    expect(stored).not.toContain((first.body.secret as string).split('.')[2]);
    expect((await keysOf(tenantId)).filter((k) => k.name === 'once')).toHaveLength(1);
  });

  it('the same key with a different body is 422 and changes nothing', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'idem-mismatch');
    const headers = { 'Idempotency-Key': randomUUID() };
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'a' }, headers });
    const before = await tenantSnapshot(keyway, tenantId);
    const other = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'b' }, headers });
    expect(other.res.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'idempotency_key_reused', status: 422 });
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });

  it('concurrent requests with one key: exactly one executes, the others get 409 or the replay', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'idem-race');
    const headers = { 'Idempotency-Key': randomUUID() };
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'raced' }, headers }),
      ),
    );
    const statuses = results.map((r) => r.res.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const executed = results.filter((r) => r.res.status === 201 && r.res.headers.get('idempotent-replayed') !== 'true');
    expect(executed).toHaveLength(1);
    for (const r of results.filter((r) => r.res.status === 409))
      expect(r.body).toMatchObject({ code: 'idempotency_key_in_flight' });
    expect((await keysOf(tenantId)).filter((k) => k.name === 'raced')).toHaveLength(1);
  });

  it("keys are scoped to the tenant: tenant A's key string never replays tenant B's response", async () => {
    const a = await tenantWithKey(keyway, 'idem-scope-a');
    const b = await tenantWithKey(keyway, 'idem-scope-b');
    const headers = { 'Idempotency-Key': 'shared-key-string' };
    const inA = await admin(keyway, 'POST', `/admin/tenants/${a.tenantId}/api-keys`, {
      key: a.key,
      body: { name: 'x' },
      headers,
    });
    const inB = await admin(keyway, 'POST', `/admin/tenants/${b.tenantId}/api-keys`, {
      key: b.key,
      body: { name: 'x' },
      headers,
    });
    expect(inA.res.status).toBe(201);
    expect(inB.res.status).toBe(201);
    expect(inB.res.headers.get('idempotent-replayed')).toBeNull();
    expect(inB.body.id).not.toBe(inA.body.id);
  });

  it('a request that fails changes nothing and frees its key for a corrected retry', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'idem-retry');
    const headers = { 'Idempotency-Key': randomUUID() };
    const bad = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: '' }, headers });
    expect(bad.res.status).toBe(400);
    const good = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      body: { name: 'fixed' },
      headers,
    });
    expect(good.res.status).toBe(201);
    expect(good.res.headers.get('idempotent-replayed')).toBeNull();
  });

  it('works on PATCH too, and refuses a malformed key', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'idem-patch');
    const headers = { 'Idempotency-Key': randomUUID() };
    const body = { settings: { sessionTtlSeconds: 7200 } };
    const first = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body, headers });
    const again = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body, headers });
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const malformed = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      body,
      headers: { 'Idempotency-Key': 'x'.repeat(256) },
    });
    expect(malformed.res.status).toBe(400);
  });
});

describe('audit log', () => {
  it('records every admin write with actor, action, target, traceId and idempotency key, newest first, without secrets', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(keyway, 'audit-trail');
    const created = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      key,
      body: { name: 'temp', scopes: ['read'] },
      headers: { 'Idempotency-Key': 'audit-idem-1' },
    });
    const revoked = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/api-keys/${created.body.id}`, { key });
    const client = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
      body: { redirect_uris: ['https://app.example.com/cb'], client_name: 'Audited' },
    });
    const { res, body } = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`, { key });
    expect(res.status).toBe(200);
    const items = body.items as Record<string, unknown>[];
    expect(items.map((e) => e.action)).toEqual([
      'client.created',
      'api_key.revoked',
      'api_key.created',
      'api_key.created',
      'tenant.created',
    ]);
    expect(items[0]).toMatchObject({
      actor: 'operator',
      target: { type: 'client', id: client.body.client_id },
      trace_id: client.res.headers.get('x-request-id'),
    });
    expect(items[1]).toMatchObject({ actor: `key:${keyId}`, trace_id: revoked.res.headers.get('x-request-id') });
    expect(items[2]).toMatchObject({
      actor: `key:${keyId}`,
      idempotency_key: 'audit-idem-1',
      target: { type: 'api_key', id: created.body.id },
      changes: { name: 'temp', scopes: ['read'] },
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain((created.body.secret as string).split('.')[2]);
    expect(text).not.toContain(client.body.client_secret as string);
    expect(text).not.toMatch(/secretHash|kw_sk_|kws_/);
  });

  it('a change that fails writes no entry; entries cannot be edited or deleted through the API', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'audit-failed');
    const before = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`);
    const failed = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/api-keys/key_0000000000000000`);
    expect(failed.res.status).toBe(404);
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`)).body).toEqual(before.body);
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      const r = await admin(keyway, method, `/admin/tenants/${tenantId}/audit-log`, { body: {} });
      expect(r.res.status, method).toBe(405);
    }
  });

  it('paginates newest first with a cursor', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'audit-pages');
    for (let i = 0; i < 3; i++)
      await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: `k${i}` } });
    const first = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log?limit=2`);
    const second = await admin(
      keyway,
      'GET',
      `/admin/tenants/${tenantId}/audit-log?limit=2&cursor=${first.body.next_cursor}`,
    );
    const all = [...(first.body.items as { time: string }[]), ...(second.body.items as { time: string }[])];
    expect(all).toHaveLength(4);
    const times = all.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
  });
});
