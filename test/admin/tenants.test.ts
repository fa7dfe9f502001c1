import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as readTenant } from '../../lambdas/admin-tenant/handler.ts';
import { handler as createTenants } from '../../lambdas/admin-tenants/handler.ts';
import { getConfig, overrideConfig } from '../../lambdas/core/runtime-config.ts';
import { commit } from '../../lambdas/core/store/transaction.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';

/** Records the TransactItems of every transaction the in-process server sends until `stop`. */
function traceTransactions(keyway: LocalKeyway) {
  const doc = keyway.store.table.doc;
  const send = doc.send.bind(doc);
  const transactions: unknown[][] = [];
  doc.send = ((command: { input: { TransactItems?: unknown[] } }, ...rest: unknown[]) => {
    if (command.input.TransactItems) transactions.push(command.input.TransactItems);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof doc.send;
  return { transactions, stop: () => (doc.send = send) };
}

import { getCode, redeem, registerClient, signedInUser } from '../support/oidc.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

describe('tenants', () => {
  it('the Location of a created tenant answers GET with the same tenant', async () => {
    const { res, body } = await createTenant(keyway, { name: 'Loc', plan: 'pro', id: 'tenant-location' });
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    const got = await fetch(location.replace(keyway.baseUrl, keyway.url), {
      headers: { Authorization: `Bearer ${keyway.adminKey}` },
    });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(body);
  });

  it('RFC 9110 §10.2.2: in AWS without BASE_URL, the Location keeps the stage path, so it resolves on execute-api', async () => {
    // Prepare: the API Gateway event of the execute-api endpoint (stage `prod`), with no BASE_URL configured.
    const local = getConfig();
    const domainName = 'abc123.execute-api.us-west-2.amazonaws.com';
    const event = (method: string, resource: string, path: string, extra: Partial<APIGatewayProxyEvent> = {}) =>
      ({
        resource,
        path,
        httpMethod: method,
        headers: { Authorization: `Bearer ${keyway.adminKey}`, 'Content-Type': 'application/json' },
        multiValueHeaders: {},
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        pathParameters: null,
        stageVariables: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { requestId: 'trace-aws', domainName, stage: 'prod', identity: { sourceIp: '198.51.100.7' } },
        ...extra,
      }) as APIGatewayProxyEvent;
    const context = { awsRequestId: 'req-aws', functionName: 'test', getRemainingTimeInMillis: () => 1000 } as Context;
    overrideConfig({ ...local, baseUrl: undefined });
    try {
      // Act
      const created = await createTenants(
        event('POST', '/admin/tenants', '/admin/tenants', {
          body: JSON.stringify({ name: 'Staged', plan: 'free', id: 'tenant-staged' }),
        }),
        context,
      );
      // Assess: API Gateway strips the stage before routing, so the path after it must name the tenant's route.
      expect(created.statusCode).toBe(201);
      const location = String(created.headers?.Location);
      expect(location).toBe(`https://${domainName}/prod/admin/tenants/tenant-staged`);
      const routed = new URL(location).pathname.replace(/^\/prod/, '');
      const got = await readTenant(
        event('GET', '/admin/tenants/{tenantId}', routed, { pathParameters: { tenantId: routed.split('/')[3]! } }),
        context,
      );
      expect(got.statusCode).toBe(200);
      expect(JSON.parse(got.body)).toMatchObject({ id: 'tenant-staged', name: 'Staged' });
    } finally {
      overrideConfig(local);
    }
  });

  it('lists tenants with cursor pagination; a forged cursor or one of another listing is a 400', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) await createTenant(keyway, { name: id, plan: 'free', id });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const { res, body } = await admin(keyway, 'GET', `/admin/tenants?limit=2${q}`);
      expect(res.status).toBe(200);
      const items = body.items as { id: string }[];
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((t) => t.id));
      cursor = body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    expect(new Set(seen).size).toBe(seen.length);

    const { tenantId } = await tenantWithKey(keyway, 'page-keys');
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'second' } });
    const keysPage = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/api-keys?limit=1`);
    const foreignCursor = keysPage.body.next_cursor as string;
    expect(foreignCursor).toEqual(expect.any(String));
    const forged = Buffer.from(JSON.stringify({ pk: 'T#other', sk: 'TENANT', gsi1pk: 'X', gsi1sk: 'T#x' })).toString(
      'base64url',
    );
    for (const bad of [foreignCursor, forged, 'not-base64-json', 'e30']) {
      const { res, body } = await admin(keyway, 'GET', `/admin/tenants?cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(body).toMatchObject({ code: 'invalid_request' });
    }
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'sort=name'])
      expect((await admin(keyway, 'GET', `/admin/tenants?${q}`)).res.status, q).toBe(400);
  });

  it("a tenant key reads and patches its tenant's settings, but not its plan (403) or id (400)", async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'patch-by-key');
    const patched = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      key,
      body: { name: 'Renamed', settings: { signUpOpen: false, sessionTtlSeconds: 3600 } },
    });
    expect(patched.res.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', settings: { signUpOpen: false, sessionTtlSeconds: 3600 } });
    // Unchanged settings keep their values.
    expect(patched.body.settings).toMatchObject({ refreshGraceSeconds: 3 });
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}`, { key })).body).toEqual(patched.body);

    const plan = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { key, body: { plan: 'enterprise' } });
    expect(plan.res.status).toBe(403);
    const id = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { key, body: { id: 'other' } });
    expect(id.res.status).toBe(400);
    const byOperator = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body: { plan: 'pro' } });
    expect(byOperator.body).toMatchObject({ plan: 'pro' });
  });

  it('WebAuthn §5.1.3: rpId must be the issuer host or a registrable suffix of it; example.com on localhost is refused', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rpid-rules');
    const before = await tenantSnapshot(keyway, tenantId);
    for (const rpId of ['example.com', 'com', 'host.localhost']) {
      const r = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body: { settings: { rpId } } });
      expect(r.res.status, rpId).toBe(400);
      expect(r.body.detail).toMatch(/rpId/);
    }
    const created = await createTenant(keyway, {
      name: 'x',
      plan: 'free',
      id: 'rpid-create',
      settings: { rpId: 'example.com' },
    });
    expect(created.res.status).toBe(400);
    expect(await tenantSnapshot(keyway, tenantId)).toEqual(before);
    const ok = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      body: { settings: { rpId: 'localhost' } },
    });
    expect(ok.body).toMatchObject({ settings: { rpId: 'localhost' } });
    const reset = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body: { settings: { rpId: null } } });
    expect(reset.res.status).toBe(200);
    expect(reset.body.settings).not.toHaveProperty('rpId');
  });

  it('rpId cannot change once a passkey ceremony has used it (409)', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rpid-locked');
    const tenant = (await keyway.store.tenants.findTenant(tenantId))!;
    expect(await keyway.store.tenants.lockRpId(tenant, Math.floor(Date.now() / 1000))).toBe(true);
    const got = await admin(keyway, 'GET', `/admin/tenants/${tenantId}`);
    expect(got.body).toMatchObject({ rp_id_locked: true });
    const r = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body: { settings: { rpId: 'localhost' } } });
    expect(r.res.status).toBe(409);
    // Other settings still change.
    const other = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      body: { settings: { signUpOpen: false } },
    });
    expect(other.res.status).toBe(200);
  });

  it('DELETE ends every session and token at once and removes every item of the tenant; the id is never reused', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'doomed');
    const client = await registerClient(keyway, tenantId);
    const { cookie } = await signedInUser(keyway, tenantId);
    const { code, verifier } = await getCode(keyway, { tenantId, client }, cookie);
    const tokens = await redeem(keyway, { tenantId, client }, code, verifier);
    expect(tokens.res.status).toBe(200);
    expect((await tenantSnapshot(keyway, tenantId)).length).toBeGreaterThan(5);

    const deleted = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}`);
    expect(deleted.res.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: tenantId, deleted: true, purged: true });
    // Only the tombstone is left, so the id cannot be given to someone else.
    expect((await tenantSnapshot(keyway, tenantId)).map((i) => JSON.parse(i).sk)).toEqual(['DELETED']);

    const userinfo = await fetch(`${keyway.url}/${tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(userinfo.status).toBe(404);
    const refresh = await fetch(`${keyway.url}/${tenantId}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string }),
    });
    expect(refresh.status).toBe(404);
    expect((await admin(keyway, 'GET', `/admin/tenants/${tenantId}`)).res.status).toBe(404);
    const again = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}`);
    expect(again.body).toMatchObject({ deleted: true, purged: true, items_removed: 0 });

    const platformLog = await admin(keyway, 'GET', '/admin/audit-log');
    expect(platformLog.body.items).toContainEqual(
      expect.objectContaining({
        action: 'tenant.deleted',
        target: { type: 'tenant', id: tenantId },
        actor: 'operator',
      }),
    );
    const reborn = await createTenant(keyway, { name: 'Reborn', plan: 'free', id: tenantId });
    expect(reborn.res.status).toBe(409);
    expect(reborn.body.detail).toMatch(/not reused/);
  });

  it('DELETE again resumes a purge that did not finish', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'half-purged');
    await registerClient(keyway, tenantId);
    // As if the function had died right after committing the deletion: tenant item gone, tombstone left, data left.
    await commit(keyway.store.table, keyway.store.tenants.deleteTenant(tenantId, Math.floor(Date.now() / 1000)));
    expect((await tenantSnapshot(keyway, tenantId)).length).toBeGreaterThan(2);
    expect((await createTenant(keyway, { name: 'Too soon', plan: 'free', id: tenantId })).res.status).toBe(409);
    const resumed = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}`);
    expect(resumed.res.status).toBe(200);
    expect(resumed.body.items_removed).toBeGreaterThan(2);
    expect(await tenantSnapshot(keyway, tenantId)).toHaveLength(1);
  });

  it('every admin change under a tenant commits only while the tenant exists (a ConditionCheck in its transaction)', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'exists-check');
    const trace = traceTransactions(keyway);
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'checked' } });
    trace.stop();
    expect(trace.transactions).toHaveLength(1);
    expect(trace.transactions[0]).toContainEqual({
      ConditionCheck: expect.objectContaining({ Key: { pk: `T#${tenantId}`, sk: 'TENANT' } }),
    });
    // And the check does what it says: a tenant gone by commit time refuses the write.
    await commit(keyway.store.table, keyway.store.tenants.deleteTenant(tenantId, 0));
    const part = keyway.store.tenants.requireTenantPart(tenantId);
    await expect(commit(keyway.store.table, [part])).rejects.toMatchObject({ status: 404 });
  });

  it('a locked tenant accepts its unchanged rpId back (read-modify-write of the settings)', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'rpid-roundtrip');
    const tenant = (await keyway.store.tenants.findTenant(tenantId))!;
    await keyway.store.tenants.lockRpId(tenant, 1);
    const settings = (await admin(keyway, 'GET', `/admin/tenants/${tenantId}`)).body.settings as Record<
      string,
      unknown
    >;
    const r = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      body: { settings: { ...settings, rpId: null, signUpOpen: false } },
    });
    expect(r.res.status).toBe(200);
    expect(r.body).toMatchObject({ settings: { signUpOpen: false } });
    // Nothing at all to change is a 200 too (the tenant is only checked to exist), never a DynamoDB error.
    for (const body of [{ settings: { rpId: null } }, { settings: {} }]) {
      const same = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body });
      expect(same.res.status, JSON.stringify(body)).toBe(200);
      expect(same.body).toMatchObject({ settings: { signUpOpen: false } });
    }
  });

  it('cursors whose key values DynamoDB would refuse (empty, too long) are a 400, not a 500', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'cursor-limits');
    const cursor = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const key of [
      { pk: `T#${tenantId}#AUDIT`, sk: '' },
      { pk: `T#${tenantId}#AUDIT`, sk: 'x'.repeat(1500) },
      { pk: `T#${tenantId}#AUDIT`, sk: 'é'.repeat(600) },
    ]) {
      const r = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log?cursor=${cursor(key)}`);
      expect(r.res.status).toBe(400);
    }
    const gsi = { pk: '', sk: '', gsi1pk: 'TENANTS', gsi1sk: 'T#x' };
    expect((await admin(keyway, 'GET', `/admin/tenants?cursor=${cursor(gsi)}`)).res.status).toBe(400);
  });
});
