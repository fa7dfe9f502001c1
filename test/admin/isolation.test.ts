import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authOf, isTenantScoped, type Route, routes } from '../../lambdas/routes.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { registerClient, signedInUser } from '../support/oidc.ts';
import { Receiver, webhookWithDelivery } from '../support/webhooks.ts';
import { IGNORES_UNKNOWN_FIELDS, SAMPLE_BODIES, SAMPLE_RESOURCE_ID } from './samples.ts';

let keyway: LocalKeyway;
let attacker: Awaited<ReturnType<typeof tenantWithKey>>;
let victim: Awaited<ReturnType<typeof tenantWithKey>>;
let params: Record<string, string>;
let receiver: Receiver;

beforeAll(async () => {
  keyway = await startTestKeyway();
  receiver = await Receiver.start();
  attacker = await tenantWithKey(keyway, 'iso-attacker');
  victim = await tenantWithKey(keyway, 'iso-victim');
  const client = await registerClient(keyway, victim.tenantId);
  const registrationToken = await admin(keyway, 'POST', `/admin/tenants/${victim.tenantId}/initial-access-tokens`, {
    body: {},
  });
  const user = await signedInUser(keyway, victim.tenantId);
  const [passkey] = await keyway.store.users.listPasskeys(victim.tenantId, user.userId);
  await admin(keyway, 'POST', `/admin/tenants/${victim.tenantId}/roles`, { body: { name: 'auditor' } });
  const resource = await admin(keyway, 'POST', `/admin/tenants/${victim.tenantId}/resources`, {
    body: SAMPLE_BODIES['admin-resources']?.POST,
  });
  expect(resource.body.id).toBe(SAMPLE_RESOURCE_ID);
  const webhook = await webhookWithDelivery(keyway, victim.tenantId, receiver);
  params = {
    ...webhook,
    tenantId: victim.tenantId,
    keyId: victim.keyId,
    tokenId: registrationToken.body.id as string,
    clientId: client.client_id,
    userId: user.userId,
    credentialId: passkey!.credentialId,
    name: 'auditor',
    resourceId: SAMPLE_RESOURCE_ID,
  };
});
afterAll(async () => {
  await keyway?.stop();
  await receiver?.stop();
});

/** The admin API, and the management routes under an issuer (a tenant key calls them: step-up's init-auth). */
const adminRoutes = routes.filter(
  (r) => r.path.startsWith('/admin/') || (isTenantScoped(r) && r.methods.some((m) => authOf(r, m) !== 'public')),
);
const tenantScoped = adminRoutes.filter((r) => r.path.includes('{tenantId}'));
const calls = (list: readonly Route[]) =>
  list.flatMap((route) => route.methods.filter((m) => m !== 'OPTIONS').map((method) => ({ route, method })));

function pathOf(route: Route, values: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`test/admin/isolation.test.ts has no value for {${name}} (${route.id})`);
    return encodeURIComponent(value);
  });
}

describe('isolation matrix: every tenant-scoped admin route and method', () => {
  it.each(calls(tenantScoped).map((c) => [`${c.method} ${c.route.path}`, c]))(
    "%s with another tenant's key → 404, and the victim's items are unchanged byte for byte",
    async (_name, { route, method }) => {
      const before = await tenantSnapshot(keyway, victim.tenantId);
      const body = SAMPLE_BODIES[route.id]?.[method];
      if ((method === 'POST' || method === 'PATCH') && !body)
        throw new Error(`no sample body for ${method} ${route.id}`);
      const r = await admin(keyway, method, pathOf(route, params), { key: attacker.key, ...(body ? { body } : {}) });
      expect(r.res.status).toBe(404);
      expect(r.body).toMatchObject({ status: 404, code: 'not_found', detail: 'No such tenant.' });
      expect(await tenantSnapshot(keyway, victim.tenantId)).toEqual(before);
    },
  );

  it('every admin route in the table but the public OpenAPI document declares operator or tenant-admin auth', () => {
    for (const { route, method } of calls(adminRoutes.filter((r) => r.id !== 'admin-openapi'))) {
      expect(['operator', 'tenant-admin'], `${method} ${route.path}`).toContain(authOf(route, method));
    }
  });
});

describe('least privilege stays workable', () => {
  it('every route a tenant key may call may GetItem and UpdateItem in AWS (authenticating reads the key and records last_used_at)', () => {
    for (const { route, method } of calls(adminRoutes)) {
      if (authOf(route, method) === 'tenant-admin')
        expect(route.access.dynamodb, route.id).toEqual(expect.arrayContaining(['GetItem', 'UpdateItem']));
    }
  });
});

describe('bad input on every admin POST and PATCH → 400 problem details, nothing written', () => {
  const writes = calls(adminRoutes).filter((c) => c.method === 'POST' || c.method === 'PATCH');
  it.each(writes.map((c) => [`${c.method} ${c.route.path}`, c]))('%s', async (_name, { route, method }) => {
    const sample = SAMPLE_BODIES[route.id]?.[method];
    if (!sample) throw new Error(`no sample body for ${method} ${route.id}`);
    const firstString = Object.entries(sample).find(([, v]) => typeof v === 'string')?.[0];
    const cases: { what: string; rawBody: string }[] = [
      { what: 'malformed JSON', rawBody: '{"name":' },
      { what: 'not an object', rawBody: '[1,2]' },
      ...(firstString
        ? [
            { what: 'wrong type', rawBody: JSON.stringify({ ...sample, [firstString]: 12345 }) },
            { what: 'over-long string', rawBody: JSON.stringify({ ...sample, [firstString]: 'x'.repeat(5000) }) },
          ]
        : []),
      ...(IGNORES_UNKNOWN_FIELDS.has(route.id)
        ? []
        : [{ what: 'unknown field', rawBody: JSON.stringify({ ...sample, unexpected: true }) }]),
    ];
    for (const { what, rawBody } of cases) {
      const before = await tenantSnapshot(keyway, victim.tenantId);
      const r = await admin(keyway, method, pathOf(route, params), { rawBody });
      expect(r.res.status, what).toBe(400);
      expect(r.res.headers.get('content-type'), what).toMatch(/json/);
      expect(r.body, what).toMatchObject({ status: 400, traceId: r.res.headers.get('x-request-id') });
      expect(await tenantSnapshot(keyway, victim.tenantId), what).toEqual(before);
    }
  });
});
