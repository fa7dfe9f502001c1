import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../lambdas/core/store/store.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { basicAuth, getCode, redeem, setupTenant, signedInUser, tokenRequest } from '../support/oidc.ts';

/**
 * The token endpoint reads the tenant and the client concurrently (one DynamoDB round trip instead of two).
 * These tests pin that, and that the answers are the same as with the sequential lookups: an unknown tenant
 * wins over a JSON body, which wins over bad client credentials.
 */
let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
const restore: (() => void)[] = [];

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
});
afterAll(async () => keyway?.stop());
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

/** Records when the store's tenant and client reads start and finish; the tenant read is slowed down. */
function traceLookups(store: Store, tenantDelayMs: number) {
  const events: string[] = [];
  const { tenants, clients } = store;
  const findTenant = tenants.findTenant.bind(tenants);
  const findClient = clients.findClient.bind(clients);
  tenants.findTenant = async (id) => {
    events.push('tenant:start');
    await new Promise((r) => setTimeout(r, tenantDelayMs));
    const found = await findTenant(id);
    events.push('tenant:end');
    return found;
  };
  clients.findClient = async (tenantId, clientId) => {
    events.push('client:start');
    const found = await findClient(tenantId, clientId);
    events.push('client:end');
    return found;
  };
  restore.push(() => {
    tenants.findTenant = findTenant;
    clients.findClient = findClient;
  });
  return events;
}

const refreshForm = { grant_type: 'refresh_token', refresh_token: `${crypto.randomUUID()}.${'A'.repeat(43)}` };

describe('token endpoint: tenant and client lookups', () => {
  it('starts the client lookup before the tenant lookup has finished', async () => {
    const events = traceLookups(keyway.store, 50);
    const { body } = await tokenRequest(keyway, ctx.tenantId, refreshForm, { Authorization: basicAuth(ctx.client) });
    expect(body.error).toBe('invalid_grant'); // got past tenant and client: the token itself is unknown
    expect(events.indexOf('client:start')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('client:start')).toBeLessThan(events.indexOf('tenant:end'));
  });

  it('still issues tokens for both grants', async () => {
    traceLookups(keyway.store, 20);
    const user = await signedInUser(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const issued = await redeem(keyway, ctx, code, verifier);
    expect(issued.res.status).toBe(200);
    expect(issued.body.id_token).toBeDefined();
    const refreshed = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refreshed.res.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeDefined();
  });

  it('an unknown tenant is a 404 even with bad client credentials', async () => {
    const { res, body } = await tokenRequest(keyway, 't-nosuchtenant', refreshForm, {
      Authorization: basicAuth({ client_id: 'nobody', client_secret: 'wrong' }),
    });
    expect(res.status).toBe(404);
    expect(body.status).toBe(404);
  });

  it('a malformed tenant id is a 404 without any client lookup', async () => {
    const events = traceLookups(keyway.store, 0);
    const { res } = await tokenRequest(keyway, 'admin', refreshForm, { Authorization: basicAuth(ctx.client) });
    expect(res.status).toBe(404);
    expect(events.filter((e) => e.startsWith('client'))).toEqual([]);
  });

  it('a JSON body is invalid_request before client authentication is judged', async () => {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: basicAuth({ client_id: ctx.client.client_id, client_secret: 'wrong' }),
      },
      body: JSON.stringify(refreshForm),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it('bad client credentials on a known tenant are 401 invalid_client, with the tenant read slower than the client', async () => {
    traceLookups(keyway.store, 50);
    for (const client of [
      { client_id: ctx.client.client_id, client_secret: 'wrong' },
      { client_id: 'no-such-client', client_secret: 'x' },
    ]) {
      const { res, body } = await tokenRequest(keyway, ctx.tenantId, refreshForm, { Authorization: basicAuth(client) });
      expect(res.status).toBe(401);
      expect(body.error).toBe('invalid_client');
    }
  });
});
