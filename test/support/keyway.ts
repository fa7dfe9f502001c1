import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type LocalKeyway, startKeyway } from '../../local/app.ts';

export const ADMIN_KEY = 'kw_admin_test_0123456789abcdef';

/**
 * The real local server (every route's real handler) on the run's DynamoDB Local, in a table of its own unless
 * `tableName` shares one (two servers on one store), with the demo app when `demo` is set.
 */
export async function startTestKeyway(
  options: { demo?: boolean; tableName?: string; webhookRetrySchedule?: string; eventFeedSettleSeconds?: number } = {},
): Promise<LocalKeyway> {
  return startKeyway({
    host: '127.0.0.1',
    port: 0,
    dataDir: ':memory:',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: options.tableName ?? `test-${randomBytes(6).toString('hex')}`,
    adminKey: ADMIN_KEY,
    ...(options.demo ? { demo: true } : {}),
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
