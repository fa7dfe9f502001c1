import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../lambdas/core/store/store.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { basicAuth, getCode, redeem, setupTenant, signedInUser, tokenRequest } from '../support/oidc.ts';
import { traceStoreCalls } from '../support/store.ts';

/**
 * The token endpoint reads the tenant, the client and (for a refresh) the presented token with its family in one
 * BatchGetItem. These tests pin the number of DynamoDB calls per grant, and that the answers are the same as with
 * separate lookups: an unknown tenant wins over a JSON body, which wins over bad client credentials.
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

function traceCalls(store: Store) {
  const trace = traceStoreCalls(store);
  restore.push(trace.stop);
  return trace.calls;
}

const refreshForm = { grant_type: 'refresh_token', refresh_token: `${crypto.randomUUID()}.${'A'.repeat(43)}` };

describe('token endpoint: tenant and client lookups', () => {
  it('a refresh costs three DynamoDB calls: one BatchGetItem, the rotation, the user read', async () => {
    const user = await signedInUser(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const issued = await redeem(keyway, ctx, code, verifier);
    expect(issued.res.status).toBe(200);
    const calls = traceCalls(keyway.store);
    const refreshed = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(refreshed.res.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeDefined();
    expect(calls.sort()).toEqual(['BatchGetCommand', 'GetCommand', 'TransactWriteCommand']);
  });

  it('a code redemption reads tenant and client in one BatchGetItem', async () => {
    const user = await signedInUser(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const calls = traceCalls(keyway.store);
    const issued = await redeem(keyway, ctx, code, verifier);
    expect(issued.res.status).toBe(200);
    expect(issued.body.id_token).toBeDefined();
    expect(calls).toEqual(['BatchGetCommand', 'UpdateCommand', 'GetCommand', 'TransactWriteCommand']);
  });

  it('an unknown refresh token of a known client is invalid_grant after the one read', async () => {
    const calls = traceCalls(keyway.store);
    const { body } = await tokenRequest(keyway, ctx.tenantId, refreshForm, { Authorization: basicAuth(ctx.client) });
    expect(body.error).toBe('invalid_grant');
    expect(calls).toEqual(['BatchGetCommand']);
  });

  it('an unknown tenant is a 404 even with bad client credentials', async () => {
    const { res, body } = await tokenRequest(keyway, 't-nosuchtenant', refreshForm, {
      Authorization: basicAuth({ client_id: 'nobody', client_secret: 'wrong' }),
    });
    expect(res.status).toBe(404);
    expect(body.status).toBe(404);
  });

  it('a malformed tenant id is a 404 without any store read', async () => {
    const calls = traceCalls(keyway.store);
    const { res } = await tokenRequest(keyway, 'admin', refreshForm, { Authorization: basicAuth(ctx.client) });
    expect(res.status).toBe(404);
    expect(calls).toEqual([]);
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

  it('bad client credentials on a known tenant are 401 invalid_client', async () => {
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
