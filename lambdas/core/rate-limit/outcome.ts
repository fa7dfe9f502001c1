import { KeywayError } from '../errors.ts';
import type { RatePolicy } from './policies.ts';

/** What the shared middleware asks the limiter about one request (no DynamoDB types: this module is bundled by all). */
export interface LimitCheck {
  readonly tenantId: string;
  /** The tenant's plan, from the tenant authorizer's context (API Gateway) or its local emulation. */
  readonly plan: string | undefined;
  readonly routeId: string;
  readonly sourceIp: string;
  /**
   * The client_id the request names (Basic credentials or the form), for limits per client: read only when a route's
   * plan counts per client, so no other request pays for parsing it.
   */
  readonly clientId: () => string | undefined;
}

/** One policy after this request was counted. */
export interface PolicyState {
  readonly policy: RatePolicy;
  readonly remaining: number;
  /** Epoch seconds at which the window ends. */
  readonly resetAt: number;
  /** Whole seconds until then, at least 1. */
  readonly resetSeconds: number;
  readonly exceeded: boolean;
}

export interface LimitOutcome {
  /** Every policy counted, in order; empty when the request was not limited. */
  readonly states: readonly PolicyState[];
  /** Counting failed and the request was let through (fail open). */
  readonly failed?: boolean;
}

export interface RateLimiter {
  check(check: LimitCheck): Promise<LimitOutcome>;
}

/** The state the single-value headers report: the exceeded policy, else the one closest to its limit. */
function binding(states: readonly PolicyState[]): PolicyState {
  const exceeded = states.find((s) => s.exceeded);
  if (exceeded) return exceeded;
  return states.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetSeconds > a.resetSeconds) ? b : a,
  );
}

/**
 * The rate-limit headers of one response: both conventions the reference products use (`X-RateLimit-*` with the reset
 * as epoch seconds, `RateLimit-*` with it as delta seconds) for the binding policy, and the structured fields of
 * draft-ietf-httpapi-ratelimit-headers-11 for every policy counted.
 */
export function rateLimitHeaders(states: readonly PolicyState[]): Record<string, string> {
  if (states.length === 0) return {};
  const b = binding(states);
  return {
    'X-RateLimit-Limit': String(b.policy.limit),
    'X-RateLimit-Remaining': String(b.remaining),
    'X-RateLimit-Reset': String(b.resetAt),
    'RateLimit-Limit': String(b.policy.limit),
    'RateLimit-Remaining': String(b.remaining),
    'RateLimit-Reset': String(b.resetSeconds),
    'RateLimit-Policy': states
      .map((s) => `"${s.policy.name}";q=${s.policy.limit};w=${s.policy.windowSeconds}`)
      .join(', '),
    RateLimit: states.map((s) => `"${s.policy.name}";r=${s.remaining};t=${s.resetSeconds}`).join(', '),
  };
}

/** Response headers a browser may read cross-origin (Access-Control-Expose-Headers). */
export const RATE_LIMIT_HEADER_NAMES = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'RateLimit',
  'Retry-After',
] as const;

const WHO: Readonly<Record<RatePolicy['scope'], string>> = {
  tenant: "This tenant's",
  route: "This tenant's",
  ip: "Your network address's",
  client: "This client's",
};

/**
 * 429 with Retry-After; the problem type names the policy that was used up (`urn:keyway:error:rate_limited:tenant`),
 * and OAuth endpoints also get `error: temporarily_unavailable` (core/http/problem.ts).
 */
export class RateLimited extends KeywayError {
  override readonly type: string;

  constructor(state: PolicyState) {
    const { policy } = state;
    const per = policy.windowSeconds === 1 ? 'per second' : `per ${policy.windowSeconds} seconds`;
    const what = policy.scope === 'route' ? ` on this endpoint` : '';
    super(
      429,
      'rate_limited',
      'Too many requests',
      `${WHO[policy.scope]} limit of ${policy.limit} requests ${per}${what} is used up; retry after ${state.resetSeconds} s.`,
      { 'Retry-After': String(state.resetSeconds) },
    );
    this.type = `urn:keyway:error:rate_limited:${policy.name}`;
  }
}
