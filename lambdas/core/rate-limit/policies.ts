import { z } from 'zod';
import { PLANS, type Plan } from '../vocabulary.ts';

/**
 * What the application rate limiter enforces, per plan. The one plan definition is `plans` in cdk.json: API Gateway's
 * usage plans are built from it (lib/usage-plans.ts) and so is this, which reaches every tenant-scoped function as
 * RATE_LIMIT_PLANS (lib/api.ts) and local mode from the same file (local/app.ts). docs/CAPACITY.md explains how the two
 * limits relate.
 */

/** A limit the application limiter keys by request source instead of by tenant: one source IP, or one client_id. */
export const SourceLimitSchema = z.strictObject({
  /**
   * `ip`: the caller's address (browser-facing routes: authorize, the passkey ceremonies); `client`: the client_id
   * the request names, from one address (token: client ids are public, so the address is part of the key; a
   * relying party's servers each get their own count).
   */
  by: z.enum(['ip', 'client']),
  /** Requests one source may send to this route per window, per tenant. */
  limit: z.number().int().positive(),
  windowSeconds: z.number().int().min(1).max(3600),
});
export type SourceLimit = z.infer<typeof SourceLimitSchema>;

/** One plan as the limiter sees it. */
export const PlanLimitsSchema = z.strictObject({
  /** Requests per second for the whole tenant, every limited route together (the plan's `rate`). */
  rate: z.number().int().positive(),
  /** Route id → requests per second for the tenant on that route (the plan's `methods` overrides). */
  routes: z.record(z.string(), z.number().int().positive()),
  /** Route id → a limit per source (the plan's `perSource`), counted before the tenant's. */
  perSource: z.record(z.string(), SourceLimitSchema),
});
export type PlanLimits = z.infer<typeof PlanLimitsSchema>;

export const RateLimitPlansSchema = z.record(z.enum(PLANS), PlanLimitsSchema);
export type RateLimitPlans = Readonly<Partial<Record<Plan, PlanLimits>>>;

/** The part of a cdk.json plan the limiter reads (lib/config.ts validates the whole plan). */
export interface PlanDefinition {
  readonly rate: number;
  readonly methods?: Readonly<Record<string, { readonly rate: number }>>;
  readonly perSource?: Readonly<Record<string, SourceLimit>>;
}

/** Whole requests per second: the limiter counts in one-second windows, so a fractional rate rounds (at least 1). */
function perSecond(rate: number): number {
  return Math.max(1, Math.round(rate));
}

/** cdk.json `plans` → what RATE_LIMIT_PLANS carries. */
export function limiterPlans(plans: Readonly<Partial<Record<Plan, PlanDefinition>>>): RateLimitPlans {
  const out: Partial<Record<Plan, PlanLimits>> = {};
  for (const plan of PLANS) {
    const definition = plans[plan];
    if (!definition) continue;
    out[plan] = {
      rate: perSecond(definition.rate),
      routes: Object.fromEntries(
        Object.entries(definition.methods ?? {}).map(([routeId, t]) => [routeId, perSecond(t.rate)]),
      ),
      perSource: { ...definition.perSource },
    };
  }
  return out;
}

/** Whom a policy counts. */
export type PolicyScope = 'tenant' | 'route' | 'ip' | 'client';

/**
 * One limit a request is counted against, named as it appears in `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers-11): `"tenant";q=100;w=1`.
 */
export interface RatePolicy {
  /** `tenant`, the route id (a per-route limit of the tenant), `ip` or `client`. */
  readonly name: string;
  readonly scope: PolicyScope;
  /** Requests per window (the field's `q`). */
  readonly limit: number;
  /** Window length in seconds (`w`); windows are aligned to multiples of it since the epoch. */
  readonly windowSeconds: number;
}

/**
 * The policies a request to `routeId` counts against on `plan`: the per-source limit first (when the plan has one for
 * the route), then the tenant's own limits (the whole tenant, and the route's when the plan overrides it).
 */
export function policiesFor(limits: PlanLimits, routeId: string): { source?: RatePolicy; tenant: RatePolicy[] } {
  const tenant: RatePolicy[] = [{ name: 'tenant', scope: 'tenant', limit: limits.rate, windowSeconds: 1 }];
  const routeRate = limits.routes[routeId];
  if (routeRate !== undefined) tenant.push({ name: routeId, scope: 'route', limit: routeRate, windowSeconds: 1 });
  const source = limits.perSource[routeId];
  return source
    ? {
        source: { name: source.by, scope: source.by, limit: source.limit, windowSeconds: source.windowSeconds },
        tenant,
      }
    : { tenant };
}

/**
 * The plans as one route's function reads them (`policiesFor(limits, route.id)`): each plan's `rate` and only that
 * route's entries. The whole set is ~1.4 KB, which with the kms-envelope settings would exceed Lambda's 4 KB of
 * environment variables.
 */
export function rateLimitPlansFor(plans: RateLimitPlans, routeId: string): RateLimitPlans {
  const only = <T>(entries: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(entries).filter(([id]) => id === routeId));
  return Object.fromEntries(
    Object.entries(plans).map(([plan, limits]: [string, PlanLimits]) => [
      plan,
      { rate: limits.rate, routes: only(limits.routes), perSource: only(limits.perSource) },
    ]),
  );
}
