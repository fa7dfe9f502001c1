import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Config } from '../config.ts';
import { getStore } from '../deps.ts';
import { logger } from '../logger.ts';
import { DynamoDbCounters, NO_LIMITS, PlanRateLimiter } from '../rate-limit/limiter.ts';
import type { LimitCheck, RateLimiter } from '../rate-limit/outcome.ts';
import { getConfig } from '../runtime-config.ts';
import { createHandler, type Endpoint, type HttpOptions } from './handler.ts';

const metrics = new Metrics({ namespace: 'Keyway', serviceName: 'keyway' });

/**
 * Fail open: a limiter that cannot count (DynamoDB throttled, slow or down) lets the request through, so it never takes
 * sign-in down. Each such request is a warning and one `RateLimiterFailures` metric (EMF), which an alarm watches.
 */
export function onLimiterFailure(error: unknown, check: LimitCheck): void {
  logger.warn('rate limiter failed; request let through', {
    route: check.routeId,
    tenantId: check.tenantId,
    error: error as Error,
  });
  const metric = metrics.singleMetric();
  metric.addDimension('route', check.routeId);
  metric.addMetric('RateLimiterFailures', MetricUnit.Count, 1);
}

let built: { config: Config; limiter: RateLimiter } | undefined;
let override: RateLimiter | undefined;

/** Tests: count with this limiter instead of the configured one (undefined restores it). */
export function overrideRateLimiter(limiter: RateLimiter | undefined): void {
  override = limiter;
}

/** The process's limiter, rebuilt only if the configuration was replaced (tests, local mode). */
function rateLimiter(): RateLimiter {
  if (override) return override;
  const config = getConfig();
  if (built?.config !== config) {
    const limiter = config.rateLimits.enabled
      ? new PlanRateLimiter(config.rateLimits.plans, new DynamoDbCounters(getStore().table.doc, config.tableName), {
          onFailure: onLimiterFailure,
        })
      : NO_LIMITS;
    built = { config, limiter };
  }
  return built.limiter;
}

/** createHandler for an issuer-scoped route (`/{tenantId}/…`): the same, with the tenant's rate limits applied. */
export function createTenantHandler(endpoint: Endpoint, options: Omit<HttpOptions, 'rateLimiter'> = {}) {
  return createHandler(endpoint, { ...options, rateLimiter });
}
