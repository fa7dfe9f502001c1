import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { RateLimitPlans } from '../../lambdas/core/rate-limit/policies.ts';
import { type LocalKeyway, startKeyway } from '../../local/app.ts';

export const ADMIN_KEY = 'kw_admin_test_0123456789abcdef';

/**
 * The real local server (every route's real handler) on the run's DynamoDB Local, in a table of its own unless
 * `tableName` shares one (two servers on one store), with the demo app when `demo` is set. The rate limiter is off
 * unless `rateLimits` is given (tests send bursts no plan allows; test/http/rate-limits.test.ts tests the limiter).
 */
export async function startTestKeyway(
  options: {
    demo?: boolean;
    tableName?: string;
    webhookRetrySchedule?: string;
    eventFeedSettleSeconds?: number;
    rateLimits?: 'on' | RateLimitPlans;
  } = {},
): Promise<LocalKeyway> {
  return startKeyway({
    host: '127.0.0.1',
    port: 0,
    dataDir: ':memory:',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: options.tableName ?? `test-${randomBytes(6).toString('hex')}`,
    adminKey: ADMIN_KEY,
    ...(options.demo ? { demo: true } : {}),
    rateLimits: options.rateLimits ?? 'off',
    logMail: false,
    // Tests that do not care about webhooks still run the pipeline; a short schedule keeps stray retries short.
    webhookRetrySchedule: options.webhookRetrySchedule ?? '0s,100ms',
    ...(options.eventFeedSettleSeconds !== undefined ? { eventFeedSettleSeconds: options.eventFeedSettleSeconds } : {}),
  });
}

export async function createTenant(keyway: LocalKeyway, body: Record<string, unknown>) {
  const res = await fetch(`${keyway.url}/admin/tenants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}
