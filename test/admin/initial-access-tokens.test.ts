import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

const path = (tenantId: string) => `/admin/tenants/${tenantId}/initial-access-tokens`;

describe('initial access tokens (RFC 7591 §3) in the admin API', () => {
  it('are created with the token shown once (kw_iat_ prefix, 32 random bytes), stored only as a hash, 24 h by default', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'iat-create');
    const before = Math.floor(Date.now() / 1000);
    const { res, body } = await admin(keyway, 'POST', path(tenantId), {
      key,
      body: { description: 'Partner onboarding', max_uses: 1 },
    });
    expect(res.status).toBe(201);
    const token = body.token as string;
    expect(token).toMatch(/^kw_iat_[a-z0-9]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(token.split('.')[0]).toBe(`kw_${body.id}`);
    expect(res.headers.get('location')).toBe(`${keyway.baseUrl}${path(tenantId)}/${body.id}`);
    expect(body).toMatchObject({
      description: 'Partner onboarding',
      created_by: expect.stringMatching(/^key:key_/),
      max_uses: 1,
      uses: 0,
      allowed_redirect_hosts: null,
      grant_types: null,
      first_party: false,
      revoked_at: null,
    });
    const expiresAt = Date.parse(body.expires_at as string) / 1000;
    expect(expiresAt - before).toBeGreaterThanOrEqual(86_400 - 5);
    expect(expiresAt - before).toBeLessThanOrEqual(86_400 + 5);

    const listed = await admin(keyway, 'GET', path(tenantId), { key });
    expect(listed.res.status).toBe(200);
    const { token: _token, ...shown } = body;
    expect(listed.body.items).toEqual([shown]);
    const secret = token.split('.')[1]!;
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await tenantSnapshot(keyway, tenantId)).join('\n')).not.toContain(secret);
    // Neither is the audit entry.
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`, { key });
    expect((log.body.items as Record<string, unknown>[])[0]).toMatchObject({
      action: 'initial_access_token.created',
      target: { type: 'initial_access_token', id: body.id },
    });
    expect(JSON.stringify(log.body)).not.toContain(secret);
  });

  it('carry their constraints: allowed redirect hosts, grant types, first_party, an expiry of up to 90 days', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'iat-constraints');
    const { res, body } = await admin(keyway, 'POST', path(tenantId), {
      body: {
        expires_in: 90 * 86_400,
        allowed_redirect_hosts: ['app.example.com', 'localhost', 'app.example.com'],
        grant_types: ['authorization_code'],
        first_party: true,
      },
    });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({
      max_uses: null,
      allowed_redirect_hosts: ['app.example.com', 'localhost'],
      grant_types: ['authorization_code'],
      first_party: true,
      created_by: 'operator',
    });
  });

  it('refuse bad input with 400 problem details and write nothing', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'iat-bad');
    const before = await tenantSnapshot(keyway, tenantId);
    for (const body of [
      { expires_in: 90 * 86_400 + 1 },
      { expires_in: 59 },
      { max_uses: 0 },
      { max_uses: 1.5 },
      { allowed_redirect_hosts: ['https://app.example.com'] },
      { allowed_redirect_hosts: [] },
      { grant_types: ['password'] },
      { first_party: 'yes' },
      { token: 'chosen-by-caller' },
    ]) {
      const r = await admin(keyway, 'POST', path(tenantId), { body });
      expect(r.res.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ status: 400, code: 'invalid_request' });
    }
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
  });

  it('are revoked by DELETE (listed as revoked); again, unknown or malformed ids are 404', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'iat-revoke');
    const created = await admin(keyway, 'POST', path(tenantId), { key, body: {} });
    const revoked = await admin(keyway, 'DELETE', `${path(tenantId)}/${created.body.id}`, { key });
    expect(revoked.res.status).toBe(200);
    expect(revoked.body).toEqual({ id: created.body.id, revoked: true });
    const listed = await admin(keyway, 'GET', path(tenantId), { key });
    expect((listed.body.items as Record<string, unknown>[])[0]!.revoked_at).toEqual(expect.any(String));
    for (const id of [created.body.id, `iat_${'a'.repeat(16)}`, 'nonsense']) {
      const r = await admin(keyway, 'DELETE', `${path(tenantId)}/${id}`, { key });
      expect(r.res.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
  });

  it('need a write key to create or revoke, a read key to list', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'iat-scopes');
    const reader = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, {
      body: { name: 'reader', scopes: ['read'] },
    });
    const key = reader.body.secret as string;
    expect((await admin(keyway, 'GET', path(tenantId), { key })).res.status).toBe(200);
    expect((await admin(keyway, 'POST', path(tenantId), { key, body: {} })).res.status).toBe(403);
    expect((await admin(keyway, 'GET', path(tenantId), { key: null })).res.status).toBe(401);
  });

  it('an Idempotency-Key replay answers the same token id with the token withheld (null), creating nothing new', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'iat-idem');
    const headers = { 'Idempotency-Key': 'iat-1' };
    const first = await admin(keyway, 'POST', path(tenantId), { headers, body: { max_uses: 2 } });
    const replay = await admin(keyway, 'POST', path(tenantId), { headers, body: { max_uses: 2 } });
    expect(replay.res.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ ...first.body, token: null });
    const listed = await admin(keyway, 'GET', path(tenantId));
    expect(listed.body.items).toHaveLength(1);
  });
});
