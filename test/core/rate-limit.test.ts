import { describe, expect, it } from 'vitest';
import { type CounterStore, PlanRateLimiter, SHARD_RATE } from '../../lambdas/core/rate-limit/limiter.ts';
import { type LimitCheck, RateLimited, rateLimitHeaders } from '../../lambdas/core/rate-limit/outcome.ts';
import { limiterPlans, type RateLimitPlans } from '../../lambdas/core/rate-limit/policies.ts';
import type { Key } from '../../lambdas/core/store/table.ts';

/** The DynamoDB counter semantics (ADD returns the new value), in memory; records every key written. */
class MemoryCounters implements CounterStore {
  readonly items = new Map<string, Map<string, number>>();
  readonly writes: string[] = [];
  async increment(key: Key, counters: readonly string[], _expiresAt: number, _signal: AbortSignal, delta = 1) {
    this.writes.push(key.pk);
    const item = this.items.get(key.pk) ?? new Map<string, number>();
    this.items.set(key.pk, item);
    return counters.map((name) => {
      const next = (item.get(name) ?? 0) + delta;
      item.set(name, next);
      return next;
    });
  }
}

const PLANS: RateLimitPlans = limiterPlans({
  free: {
    rate: 3,
    methods: { token: { rate: 2 } },
    perSource: {
      authorize: { by: 'ip', limit: 2, windowSeconds: 60 },
      token: { by: 'client', limit: 5, windowSeconds: 60 },
    },
  },
  enterprise: { rate: 5000 },
});

const T0 = 1_800_000_000_000; // a whole second, and a whole minute
const check = (over: Partial<Omit<LimitCheck, 'clientId'>> & { clientId?: string } = {}): LimitCheck => {
  const { clientId, ...rest } = over;
  return {
    tenantId: 'acme',
    plan: 'free',
    routeId: 'discovery',
    sourceIp: '198.51.100.7',
    clientId: () => clientId,
    ...rest,
  };
};

function limiter(counters: CounterStore, now = () => T0, random = () => 0) {
  return new PlanRateLimiter(PLANS, counters, { now, random });
}

describe('application rate limiter', () => {
  it('counts a tenant per one-second window and refuses the request past its limit', async () => {
    const l = limiter(new MemoryCounters(), () => T0 + 250);
    const remaining: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { states } = await l.check(check());
      remaining.push(states[0]!.remaining);
      expect(states[0]!.exceeded).toBe(i === 3);
    }
    expect(remaining).toEqual([2, 1, 0, 0]);
  });

  it('starts a fresh window on the next second', async () => {
    let now = T0 + 900;
    const l = limiter(new MemoryCounters(), () => now);
    for (let i = 0; i < 3; i++) await l.check(check());
    expect((await l.check(check())).states[0]!.exceeded).toBe(true);
    now = T0 + 1000;
    expect((await l.check(check())).states[0]).toMatchObject({ remaining: 2, exceeded: false });
  });

  it('counts a route override in the same item as the tenant (one write) and reports both policies', async () => {
    const counters = new MemoryCounters();
    const { states } = await limiter(counters).check(check({ routeId: 'introspect' }));
    expect(states.map((s) => s.policy.name)).toEqual(['tenant']);
    const token = await limiter(counters).check(check({ routeId: 'token', clientId: 'app' }));
    expect(token.states.map((s) => s.policy.name)).toEqual(['client', 'tenant', 'token']);
    expect(counters.writes.filter((pk) => pk.includes('#RL#tenant#'))).toHaveLength(2);
  });

  it('refuses a source past its own limit without charging the tenant', async () => {
    const counters = new MemoryCounters();
    const l = limiter(counters);
    for (let i = 0; i < 2; i++) await l.check(check({ routeId: 'authorize' }));
    const third = await l.check(check({ routeId: 'authorize' }));
    expect(third.states.map((s) => [s.policy.name, s.exceeded])).toEqual([['ip', true]]);
    // Two authorize requests count for the tenant; the refused third was counted and taken back (ADD -1).
    expect(counters.writes.filter((pk) => pk.includes('#RL#tenant#'))).toHaveLength(4);
    const tenant = await l.check(check({ routeId: 'discovery' }));
    expect(tenant.states[0]!.remaining).toBe(0);
    expect(tenant.states[0]!.exceeded).toBe(false);
    // Another address still passes.
    const other = await limiter(counters, () => T0 + 1000).check(
      check({ routeId: 'authorize', sourceIp: '203.0.113.9' }),
    );
    expect(other.states.every((s) => !s.exceeded)).toBe(true);
  });

  it('reads the client_id only for a route its plan counts per client (no body parsing elsewhere)', async () => {
    let reads = 0;
    const counting = (routeId: string) => ({
      ...check({ routeId }),
      clientId: () => {
        reads++;
        return 'app';
      },
    });
    await limiter(new MemoryCounters()).check(counting('discovery'));
    await limiter(new MemoryCounters()).check(counting('authorize'));
    expect(reads).toBe(0);
    await limiter(new MemoryCounters()).check(counting('token'));
    expect(reads).toBe(1);
  });

  it('keys per-source counters by a hash, never the address or client_id itself', async () => {
    const counters = new MemoryCounters();
    await limiter(counters).check(check({ routeId: 'authorize' }));
    await limiter(counters).check(check({ routeId: 'token', clientId: 'secret-looking-client' }));
    expect(counters.writes.join(' ')).not.toMatch(/198\.51|secret-looking/);
    expect(counters.writes.every((pk) => pk.startsWith('T#acme#RL#'))).toBe(true);
  });

  it(`splits a scope allowed more than ${SHARD_RATE}/s over shards, and admits at most limit + shards - 1`, async () => {
    const counters = new MemoryCounters();
    let n = 0;
    const l = limiter(
      counters,
      () => T0,
      () => (n++ % 97) / 97,
    );
    let admitted = 0;
    for (let i = 0; i < 6000; i++) {
      const { states } = await l.check(check({ plan: 'enterprise' }));
      if (!states[0]!.exceeded) admitted++;
    }
    const shards = new Set(counters.writes);
    expect(shards.size).toBe(10);
    expect(admitted).toBeLessThanOrEqual(5000 + 9);
    expect(admitted).toBeGreaterThanOrEqual(4900);
  });

  it('lets the request through and reports the failure when the counter store fails (fail open)', async () => {
    const failures: unknown[] = [];
    const broken: CounterStore = {
      increment: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const l = new PlanRateLimiter(PLANS, broken, { onFailure: (error) => failures.push(error) });
    expect(await l.check(check())).toEqual({ states: [], failed: true });
    expect(failures).toHaveLength(1);
  });

  it('does not limit a request without a tenant plan (no such tenant); an unknown plan gets the free limits', async () => {
    expect(await limiter(new MemoryCounters()).check(check({ plan: undefined }))).toEqual({ states: [] });
    const unknown = await limiter(new MemoryCounters()).check(check({ plan: 'unknown' }));
    expect(unknown.states.map((s) => [s.policy.name, s.policy.limit])).toEqual([['tenant', 3]]);
  });
});

describe('rate-limit headers (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('reports every policy in RateLimit-Policy and RateLimit, and the one closest to its limit in the rest', async () => {
    const counters = new MemoryCounters();
    const l = limiter(counters, () => T0 + 400);
    await l.check(check({ routeId: 'token', clientId: 'app' }));
    const { states } = await l.check(check({ routeId: 'token', clientId: 'app' }));
    const h = rateLimitHeaders(states);
    expect(h['RateLimit-Policy']).toBe('"client";q=5;w=60, "tenant";q=3;w=1, "token";q=2;w=1');
    expect(h.RateLimit).toBe('"client";r=3;t=60, "tenant";r=1;t=1, "token";r=0;t=1');
    expect(h['RateLimit-Limit']).toBe('2');
    expect(h['RateLimit-Remaining']).toBe('0');
    expect(h['RateLimit-Reset']).toBe('1');
    expect(h['X-RateLimit-Reset']).toBe(String(T0 / 1000 + 1));
  });

  it('names the exhausted policy in the 429 problem type, with Retry-After', async () => {
    const l = limiter(new MemoryCounters(), () => T0 + 30_000);
    for (let i = 0; i < 2; i++) await l.check(check({ routeId: 'authorize' }));
    const { states } = await l.check(check({ routeId: 'authorize' }));
    const error = new RateLimited(states.find((s) => s.exceeded)!);
    expect(error.status).toBe(429);
    expect(error.type).toBe('urn:keyway:error:rate_limited:ip');
    expect(error.headers['Retry-After']).toBe('30');
  });
});
