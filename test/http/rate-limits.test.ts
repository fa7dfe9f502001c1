import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onLimiterFailure, overrideRateLimiter } from '../../lambdas/core/http/tenant-handler.ts';
import { DynamoDbCounters, PlanRateLimiter } from '../../lambdas/core/rate-limit/limiter.ts';
import type { RateLimitPlans } from '../../lambdas/core/rate-limit/policies.ts';
import { createDocumentClient } from '../../lambdas/core/store/table.ts';
import { isTenantScoped, routes } from '../../lambdas/routes.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { basicAuth, REDIRECT_URI, registerClient, type TestClient, tokenRequest } from '../support/oidc.ts';

/*
 * The application rate limiter through the real local server (its stand-in for the tenant authorizer supplies the
 * plan, counters live in DynamoDB Local). Each plan here serves one purpose: `free` is generous (headers only), `pro`
 * has a tiny tenant limit, `enterprise` tiny per-source limits.
 */
const PLANS: RateLimitPlans = {
  free: { rate: 400, routes: { token: 200 }, perSource: {} },
  pro: { rate: 3, routes: {}, perSource: {} },
  enterprise: {
    rate: 1000,
    routes: {},
    perSource: {
      authorize: { by: 'ip', limit: 2, windowSeconds: 60 },
      token: { by: 'client', limit: 2, windowSeconds: 60 },
    },
  },
};

let keyway: LocalKeyway;

beforeAll(async () => {
  keyway = await startTestKeyway({ rateLimits: PLANS });
});
afterAll(async () => {
  await keyway?.stop();
});
afterEach(() => overrideRateLimiter(undefined));

async function tenantOn(plan: 'free' | 'pro' | 'enterprise'): Promise<string> {
  const id = `rl-${randomBytes(4).toString('hex')}`;
  const { res } = await createTenant(keyway, { name: `Tenant ${id}`, plan, id });
  expect(res.status).toBe(201);
  return id;
}

/** Waits until `margin` ms into a window of `seconds`, so a burst that follows stays inside one window. */
async function startOfWindow(seconds: number, margin = 50): Promise<void> {
  const into = Date.now() % (seconds * 1000);
  const usable = seconds * 1000 - (seconds === 1 ? 600 : 5000);
  if (into > margin && into < usable) {
    if (seconds === 1) await new Promise((r) => setTimeout(r, 1000 - into + 5));
    return;
  }
  if (into >= usable) await new Promise((r) => setTimeout(r, seconds * 1000 - into + 5));
}

/** One request to a route in the simplest shape its methods take: most answer with an error, which is the point. */
function requestTo(route: (typeof routes)[number], tenantId: string): Promise<Response> {
  const url = `${keyway.url}${route.path.replace('{tenantId}', tenantId)}`;
  if (route.methods.includes('GET')) return fetch(url, { redirect: 'manual' });
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'x=1',
    redirect: 'manual',
  });
}

describe('rate-limit headers on every limited route', () => {
  const limited = routes.filter(isTenantScoped);

  it.each(limited.map((r) => [r.id, r] as const))(
    '%s answers with X-RateLimit-*, RateLimit-* and the draft-11 structured fields, success or error',
    async (_id, route) => {
      const tenantId = await tenantOn('free');
      const before = Math.floor(Date.now() / 1000);
      const res = await requestTo(route, tenantId);
      await res.arrayBuffer();
      const h = res.headers;
      const perRoute = route.id === 'token' ? 200 : 400;
      expect(h.get('x-ratelimit-limit')).toBe(String(perRoute));
      expect(h.get('ratelimit-limit')).toBe(String(perRoute));
      expect(Number(h.get('x-ratelimit-remaining'))).toBe(perRoute - 1);
      expect(h.get('ratelimit-remaining')).toBe(h.get('x-ratelimit-remaining'));
      const reset = Number(h.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(before);
      expect(reset).toBeLessThanOrEqual(before + 2);
      expect(h.get('ratelimit-reset')).toBe('1');
      expect(h.get('ratelimit-policy')).toBe(
        route.id === 'token' ? '"tenant";q=400;w=1, "token";q=200;w=1' : '"tenant";q=400;w=1',
      );
      expect(h.get('ratelimit')).toMatch(/^"tenant";r=399;t=1(, "token";r=199;t=1)?$/);
    },
  );

  it('counts a malformed request too (the limit is checked before the body is parsed)', async () => {
    const tenantId = await tenantOn('free');
    const res = await fetch(`${keyway.url}/${tenantId}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('ratelimit-remaining')).toBe('199');
  });

  it('leaves management routes and CORS preflights uncounted (the stage throttle and usage plans cover them)', async () => {
    const tenantId = await tenantOn('free');
    const adminRes = await fetch(`${keyway.url}/admin/tenants/${tenantId}`);
    expect(adminRes.headers.get('ratelimit-policy')).toBeNull();
    const preflight = await fetch(`${keyway.url}/${tenantId}/token`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('ratelimit-policy')).toBeNull();
    const next = await fetch(`${keyway.url}/${tenantId}/.well-known/openid-configuration`);
    expect(next.headers.get('ratelimit-remaining')).toBe('399');
  });

  it('exposes the headers to browsers through CORS (Access-Control-Expose-Headers)', async () => {
    const tenantId = await tenantOn('free');
    await registerClient(keyway, tenantId);
    for (const path of ['.well-known/openid-configuration', 'token']) {
      const res = await fetch(`${keyway.url}/${tenantId}/${path}`, {
        method: path === 'token' ? 'POST' : 'GET',
        headers: { Origin: new URL(REDIRECT_URI).origin },
      });
      const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
      expect(res.headers.get('access-control-allow-origin')).not.toBeNull();
      for (const name of ['RateLimit', 'RateLimit-Policy', 'RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'])
        expect(exposed).toContain(name);
    }
  });
});

describe('429 once a limit is used up', () => {
  it("refuses the tenant's 4th request in a second with problem details naming the quota and Retry-After; tenant B is unaffected", async () => {
    const a = await tenantOn('pro');
    const b = await tenantOn('pro');
    const discovery = (t: string) => fetch(`${keyway.url}/${t}/.well-known/openid-configuration`);
    await startOfWindow(1);
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => discovery(a)));
    const token = await tokenRequest(keyway, a, { grant_type: 'client_credentials' });
    const other = await discovery(b);

    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit')).toBe('"tenant";r=0;t=1');
    const problem = (await refused.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ type: 'urn:keyway:error:rate_limited:tenant', status: 429 });
    expect(problem.traceId).toBe(refused.headers.get('x-request-id'));

    // An OAuth endpoint adds the RFC 6749 error a client library understands.
    expect(token.res.status).toBe(429);
    expect(token.body).toMatchObject({
      error: 'temporarily_unavailable',
      type: 'urn:keyway:error:rate_limited:tenant',
    });
    expect(token.res.headers.get('retry-after')).toBe('1');

    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('2');
  });

  it('refuses a third authorize from one address in a minute with a page, not JSON', async () => {
    const tenantId = await tenantOn('enterprise');
    await startOfWindow(60);
    const url = `${keyway.url}/${tenantId}/authorize?client_id=nobody`;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(url, { redirect: 'manual' });
      statuses.push(last.status);
      if (i < 2) await last.arrayBuffer();
    }
    expect(statuses.slice(0, 2)).not.toContain(429);
    expect(statuses[2]).toBe(429);
    expect(last!.headers.get('content-type')).toMatch(/^text\/html/);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-policy')).toBe('"ip";q=2;w=60');
    expect(await last!.text()).toContain('Too many attempts');
  });

  it('counts token requests per client_id: one client used up leaves another client of the tenant its own', async () => {
    const tenantId = await tenantOn('enterprise');
    const [one, two] = [await registerClient(keyway, tenantId), await registerClient(keyway, tenantId)] as TestClient[];
    await startOfWindow(60);
    const send = (client: TestClient) =>
      tokenRequest(
        keyway,
        tenantId,
        { grant_type: 'refresh_token', refresh_token: 'x' },
        { Authorization: basicAuth(client) },
      );
    const first = [await send(one!), await send(one!), await send(one!)];
    expect(first.map((r) => r.res.status)).toEqual([400, 400, 429]);
    expect(first[2]!.body).toMatchObject({
      error: 'temporarily_unavailable',
      type: 'urn:keyway:error:rate_limited:client',
    });
    const second = await send(two!);
    expect(second.res.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
  });
});

describe('fail open', () => {
  it('serves the request without rate-limit headers, and reports it, when the counter store cannot be reached', async () => {
    const tenantId = await tenantOn('pro');
    // A real DynamoDB client against a port nothing listens on: the SDK's own connection error.
    const { doc, client } = createDocumentClient({ region: 'us-west-2', endpoint: 'http://127.0.0.1:9' });
    const failures: string[] = [];
    overrideRateLimiter(
      new PlanRateLimiter(PLANS, new DynamoDbCounters(doc, 'unreachable'), {
        timeoutMs: 2000,
        onFailure: (error, check) => {
          failures.push(`${check.routeId}: ${(error as Error).name}`);
          onLimiterFailure(error, check);
        },
      }),
    );
    try {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${keyway.url}/${tenantId}/.well-known/openid-configuration`);
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-policy')).toBeNull();
      }
    } finally {
      client.destroy();
    }
    expect(failures).toHaveLength(5);
    expect(failures[0]).toMatch(/^discovery: /);
  });
});
