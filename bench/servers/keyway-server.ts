/**
 * Bench child: Keyway's local server (every route's real Lambda handler behind one HTTP server, local RS256
 * signer) on the bench's DynamoDB Local. Its CPU time and the DynamoDB calls of its store's document client (every
 * call a route handler makes, the rate limiter's counters included; the webhook dispatcher has a client of its own)
 * are reported over IPC; DynamoDB Local is another process.
 * Environment: DYNAMODB_ENDPOINT, TABLE_NAME, KEYWAY_ADMIN_KEY, BENCH_DATA_DIR (holds the signing key),
 * BENCH_RATE_LIMITS (`bench`, the default: the limiter on with benchPlans(); `on`: cdk.json's plans as they are;
 * `off`: the limiter off, as RATE_LIMITS=off does in local mode).
 */

import { SHARD_RATE } from '../../lambdas/core/rate-limit/limiter.ts';
import type { PlanLimits, RateLimitPlans } from '../../lambdas/core/rate-limit/policies.ts';
import { cdkPlans, startKeyway } from '../../local/app.ts';
import { cpuHandler, exitWithParent, profilerHandlers, serveIpc } from '../lib/children.ts';
import { countDynamoCalls } from '../lib/dynamo-calls.ts';

/**
 * cdk.json's plans with every limit raised to what one counter shard takes (SHARD_RATE per second): the same
 * policies, so the limiter makes the same counter updates per request as in production (one shard each, as the
 * enterprise plan's tenant-wide limit has), but nothing the bench sends on this machine is refused.
 */
function benchPlans(plans: RateLimitPlans): RateLimitPlans {
  const raise = (perSecond: number, windowSeconds = 1) => Math.max(perSecond, SHARD_RATE * windowSeconds);
  return Object.fromEntries(
    Object.entries(plans).map(([plan, limits]: [string, PlanLimits]) => [
      plan,
      {
        rate: raise(limits.rate),
        routes: Object.fromEntries(Object.entries(limits.routes).map(([route, rate]) => [route, raise(rate)])),
        perSource: Object.fromEntries(
          Object.entries(limits.perSource).map(([route, s]) => [
            route,
            { ...s, limit: raise(s.limit, s.windowSeconds) },
          ]),
        ),
      },
    ]),
  );
}

try {
  const mode = process.env.BENCH_RATE_LIMITS ?? 'bench';
  if (mode !== 'bench' && mode !== 'on' && mode !== 'off') throw new Error(`BENCH_RATE_LIMITS=${mode}`);
  const keyway = await startKeyway({
    host: '127.0.0.1',
    port: 0,
    dataDir: process.env.BENCH_DATA_DIR!,
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT!,
    tableName: process.env.TABLE_NAME!,
    adminKey: process.env.KEYWAY_ADMIN_KEY!,
    rateLimits: mode === 'bench' ? benchPlans(await cdkPlans()) : mode,
  });
  exitWithParent(() => keyway.stop());
  serveIpc({ cpu: cpuHandler, dynamoCalls: countDynamoCalls(keyway.store.table.doc), ...profilerHandlers() });
  process.send?.({ type: 'ready', url: keyway.url, baseUrl: keyway.baseUrl, pid: process.pid });
} catch (error) {
  process.send?.({ type: 'fatal', error: (error as Error).stack ?? String(error) });
  process.exit(1);
}
