import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sha256 } from '../crypto.ts';
import { keys } from '../store/keys.ts';
import type { Key } from '../store/table.ts';
import type { LimitCheck, LimitOutcome, PolicyState, RateLimiter } from './outcome.ts';
import { type PlanLimits, policiesFor, type RateLimitPlans, type RatePolicy } from './policies.ts';

/**
 * The application rate limiter: fixed windows counted in DynamoDB by atomic `UpdateItem … ADD … ReturnValues`
 * (never read-then-write), one item per (tenant, scope, window, shard), each kept two minutes past its window by TTL.
 *
 * Hot partitions: a counter item takes about 1,000 writes/s (one partition's limit). A scope allowed more than
 * `SHARD_RATE` requests per second is split over `shards = ceil(rate / SHARD_RATE)` items; a request adds to one at
 * random, and each shard admits its share `ceil(limit / shards)`. So no more than `limit + shards - 1` requests pass per
 * window, and fewer when the random spread leaves one shard full while another has room (docs/CAPACITY.md has the
 * arithmetic and how close `Remaining` is). Every item's partition key carries its window, so each second's counters
 * hash to fresh partitions.
 */
export const SHARD_RATE = 500;

/** Adds `delta` (1, or -1 to take a count back) to named counters of one item and returns their new values. */
export interface CounterStore {
  increment(
    key: Key,
    counters: readonly string[],
    expiresAt: number,
    signal: AbortSignal,
    delta?: number,
  ): Promise<number[]>;
}

export class DynamoDbCounters implements CounterStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async increment(
    key: Key,
    counters: readonly string[],
    expiresAt: number,
    signal: AbortSignal,
    delta = 1,
  ): Promise<number[]> {
    const names: Record<string, string> = { '#ttl': 'ttl' };
    counters.forEach((name, i) => {
      names[`#c${i}`] = name;
    });
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :delta`).join(', ')} SET #ttl = :ttl`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':delta': delta, ':ttl': expiresAt },
        ReturnValues: 'UPDATED_NEW',
      }),
      { abortSignal: signal },
    );
    return counters.map((name) => Number(out.Attributes?.[name] ?? 0));
  }
}

export interface LimiterOptions {
  /** A counter call slower than this is abandoned and the request let through (fail open). Default 300 ms. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Called when counting failed and the request was let through (a log line and a metric in production). */
  readonly onFailure?: (error: unknown, check: LimitCheck) => void;
}

/** Counts each request against its plan's policies (lambdas/core/rate-limit/policies.ts). */
export class PlanRateLimiter implements RateLimiter {
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly plans: RateLimitPlans,
    private readonly counters: CounterStore,
    private readonly options: LimiterOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 300;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  async check(check: LimitCheck): Promise<LimitOutcome> {
    // A tenant whose plan the limiter does not know (an item without one) is held to the free plan's limits.
    const limits: PlanLimits | undefined =
      check.plan !== undefined ? (this.plans[check.plan as never] ?? this.plans.free) : undefined;
    if (!limits) return { states: [] };
    const { source, tenant } = policiesFor(limits, check.routeId);
    const nowMs = this.now();
    try {
      if (!source) return { states: (await this.count(check.tenantId, 'tenant', tenant, nowMs)).states };
      // Per client means per client and address: client ids are public, so keyed by the id alone anyone could use up
      // a client's limit by naming it.
      const subject = source.scope === 'ip' ? check.sourceIp : `${check.clientId() ?? ''}\n${check.sourceIp}`;
      const scope = `${check.routeId}#${source.scope}#${sha256(subject).slice(0, 22)}`;
      // Both counted at once (one round trip). A request its source's limit refuses takes its tenant count back, so a
      // flood from one address (or naming one client) cannot use up what the tenant's other users share; meanwhile
      // each refused request inflates the tenant's count for one round trip only.
      const [own, shared] = await Promise.all([
        this.count(check.tenantId, scope, [source], nowMs),
        this.count(check.tenantId, 'tenant', tenant, nowMs),
      ]);
      if (own.states.some((s) => s.exceeded)) {
        // Best effort: a failed undo leaves the tenant one request over-counted for this window, nothing worse.
        await shared.undo().catch(() => undefined);
        return { states: own.states };
      }
      return { states: [...own.states, ...shared.states] };
    } catch (error) {
      this.options.onFailure?.(error, check);
      return { states: [], failed: true };
    }
  }

  /** One UpdateItem for policies that share a scope and a window (the tenant's, and its route's). */
  private async count(
    tenantId: string,
    scope: string,
    policies: readonly RatePolicy[],
    nowMs: number,
  ): Promise<{ states: PolicyState[]; undo: () => Promise<unknown> }> {
    const windowSeconds = policies[0]!.windowSeconds;
    const nowSeconds = nowMs / 1000;
    const windowStart = Math.floor(nowSeconds / windowSeconds) * windowSeconds;
    const resetAt = windowStart + windowSeconds;
    const shards = Math.max(...policies.map((p) => Math.ceil(p.limit / p.windowSeconds / SHARD_RATE)), 1);
    const shard = Math.floor(this.random() * shards);
    const key = keys.rateCounter(tenantId, scope, windowStart, shard);
    const names = policies.map((p) => p.name);
    const values = await this.counters.increment(key, names, resetAt + 120, AbortSignal.timeout(this.timeoutMs));
    const undo = () => this.counters.increment(key, names, resetAt + 120, AbortSignal.timeout(this.timeoutMs), -1);
    const resetSeconds = Math.max(1, Math.ceil(resetAt - nowSeconds));
    const states = policies.map((policy, i) => {
      const count = values[i] ?? 0;
      const share = Math.ceil(policy.limit / shards);
      const exceeded = count > share;
      return {
        policy,
        remaining: exceeded ? 0 : Math.max(0, policy.limit - count * shards),
        resetAt,
        resetSeconds,
        exceeded,
      };
    });
    return { states, undo };
  }
}

/** RATE_LIMITS=off: nothing counted, no headers. */
export const NO_LIMITS: RateLimiter = { check: async () => ({ states: [] }) };
