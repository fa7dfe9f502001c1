import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

const basic = (secret: string) => `Basic ${Buffer.from(`${secret}:`).toString('base64')}`;

describe('tenant API keys', () => {
  it('are created by the operator with the secret shown once: kw_sk_ prefix, 32 random bytes, stored only as a hash', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'keys-create');
    const { res, body } = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      body: { name: 'deploy bot', scopes: ['read'] },
    });
    expect(res.status).toBe(201);
    const secret = body.secret as string;
    expect(secret).toMatch(/^kw_sk_keys-create\.key_[a-z0-9]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ name: 'deploy bot', scopes: ['read'], created_by: 'operator', last_used_at: null });
    expect(res.headers.get('location')).toBe(`${keyway.baseUrl}/admin/tenants/${tenantId}/api-keys/${body.id}`);

    const listed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/api-keys`);
    expect(listed.res.status).toBe(200);
    const items = listed.body.items as Record<string, unknown>[];
    expect(items.map((k) => k.id)).toContain(body.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret.split('.')[2]);
    // The table holds the hash, never the secret.
    expect((await tenantSnapshot(keyway, tenantId)).join('\n')).not.toContain(secret.split('.')[2]);
  });

  it('authenticate as Bearer and as HTTP Basic with the secret as the username', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'keys-schemes');
    const bearer = await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key });
    expect(bearer.res.status).toBe(200);
    expect(bearer.body).toMatchObject({ id: tenantId, issuer: `${keyway.baseUrl}/${tenantId}` });
    const viaBasic = await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, {
      key: null,
      headers: { Authorization: basic(key) },
    });
    expect(viaBasic.res.status).toBe(200);
  });

  it('a key of another tenant gets 404 (the tenant is never confirmed) and changes nothing', async () => {
    const a = await tenantWithKey(keyway, 'keys-iso-a');
    const b = await tenantWithKey(keyway, 'keys-iso-b');
    const before = await tenantSnapshot(keyway, b.tenantId);
    const read = await admin(keyway, 'GET', `/admin/tenants/${b.tenantId}`, { key: a.key });
    const write = await admin(keyway, 'POST', `/admin/tenants/${b.tenantId}/api-keys`, {
      key: a.key,
      body: { name: 'intruder' },
    });
    const missing = await admin(keyway, 'GET', '/admin/tenants/no-such-tenant', { key: a.key });
    for (const r of [read, write, missing]) {
      expect(r.res.status).toBe(404);
      expect(r.body).toMatchObject({ status: 404, code: 'not_found', detail: 'No such tenant.' });
    }
    expect(await tenantSnapshot(keyway, b.tenantId)).toEqual(before);
  });

  it('a read-only key may GET but not write (403), and cannot mint a read-write key', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'keys-readonly');
    const ro = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      body: { name: 'ro', scopes: ['read'] },
    });
    const key = ro.body.secret as string;
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}/api-keys`, { key })).res.status).toBe(200);
    const write = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      key,
      body: { name: 'escalate', scopes: ['read', 'write'] },
    });
    expect(write.res.status).toBe(403);
    expect(write.body).toMatchObject({ code: 'forbidden' });
  });

  it('a read-write key creates another key of its tenant; the audit log names it as the creator', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(keyway, 'keys-by-key');
    const { res, body } = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      key,
      body: { name: 'second' },
    });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ scopes: ['read', 'write'], created_by: `key:${keyId}` });
  });

  it('a tenant key cannot call operator routes: listing tenants, creating or deleting a tenant (403)', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'keys-operator');
    const calls = [
      await admin(keyway, 'GET', '/admin/tenants', { key }),
      await admin(keyway, 'POST', '/admin/tenants', { key, body: { name: 'x', plan: 'free' } }),
      await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}`, { key }),
      await admin(keyway, 'GET', '/admin/audit-log', { key }),
    ];
    for (const c of calls) expect(c.res.status).toBe(403);
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}`)).res.status).toBe(200);
  });

  it('a revoked key gets 401 on its next call; revoking twice is 404', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(keyway, 'keys-revoke');
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key })).res.status).toBe(200);
    const revoked = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/api-keys/${keyId}`);
    expect(revoked.res.status).toBe(200);
    const after = await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key });
    expect(after.res.status).toBe(401);
    expect(after.res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/api-keys/${keyId}`)).res.status).toBe(404);
    const listed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/api-keys`);
    const entry = (listed.body.items as Record<string, unknown>[]).find((k) => k.id === keyId);
    expect(entry?.revoked_at).toEqual(expect.any(String));
  });

  it('rejects malformed, forged and unknown secrets with 401 problem details', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'keys-forged');
    const forged = `${key.slice(0, -4)}AAAA`;
    for (const secret of [forged, 'kw_sk_keys-forged.key_0000000000000000.x', 'kw_sk_nope', `${key}x`]) {
      const r = await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key: secret });
      expect(r.res.status, secret).toBe(401);
      expect(r.body).toMatchObject({ code: 'unauthorized', traceId: r.res.headers.get('x-request-id') });
    }
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key: null })).res.status).toBe(401);
  });

  it('records last_used_at cheaply: written when older than an hour, not on every call', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(keyway, 'keys-last-used');
    const table = keyway.store.table;
    const stored = async () =>
      (await table.doc.send(new GetCommand({ TableName: table.name, Key: keys.apiKey(tenantId, keyId) }))).Item;
    await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key });
    const first = (await stored())?.lastUsedAt as number;
    expect(first).toBeGreaterThan(0);

    const setLastUsed = (value: number) =>
      table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key: keys.apiKey(tenantId, keyId),
          UpdateExpression: 'SET lastUsedAt = :v',
          ExpressionAttributeValues: { ':v': value },
        }),
      );
    await setLastUsed(first - 60);
    await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key });
    expect((await stored())?.lastUsedAt).toBe(first - 60); // fresh enough: not written again
    await setLastUsed(first - 7200);
    await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key });
    expect((await stored())?.lastUsedAt).toBeGreaterThanOrEqual(first);
    const listed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/api-keys`);
    const entry = (listed.body.items as Record<string, unknown>[]).find((k) => k.id === keyId);
    expect(entry?.last_used_at).toEqual(expect.any(String));
  });

  it('validates the body: missing name, unknown scope, unknown field', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'keys-bad-input');
    const before = await tenantSnapshot(keyway, tenantId);
    for (const body of [{}, { name: 'x', scopes: ['admin'] }, { name: 'x', owner: 'me' }, { name: 'x'.repeat(101) }]) {
      const r = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body });
      expect(r.res.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ code: 'invalid_request' });
    }
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });
});
