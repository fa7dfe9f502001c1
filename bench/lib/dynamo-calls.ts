import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB calls a server child has made so far, read over IPC before and after a phase (like its CPU). */
export interface DynamoCallCounts {
  /** SDK commands sent (one per `send`, whatever the retries), by operation: `GetItem`, `TransactWriteItems`… */
  readonly calls: Record<string, number>;
  /** HTTP requests, retries included: more than the calls when DynamoDB throttled, conflicted or failed. */
  readonly attempts: number;
  /**
   * Items asked for by key (GetItem 1, BatchGetItem and TransactGetItems one per key): each is a read request unit
   * or more. Queries and scans are not counted here (absent in results from before it was counted).
   */
  readonly keysRead?: number;
}

/** Keys a read command asks for (0 for anything else). */
function keysOf(name: string, input: unknown): number {
  const i = (input ?? {}) as {
    RequestItems?: Record<string, { Keys?: readonly unknown[] }>;
    TransactItems?: readonly unknown[];
  };
  if (name === 'GetItem') return 1;
  if (name === 'BatchGetItem')
    return Object.values(i.RequestItems ?? {}).reduce((sum, t) => sum + (t.Keys?.length ?? 0), 0);
  if (name === 'TransactGetItems') return i.TransactItems?.length ?? 0;
  return 0;
}

/**
 * Counts every command sent through a client (a document client shares its client's middleware stack, so either
 * will do): one middleware in the `initialize` step (once per `send`) and one in `deserialize` (once per HTTP
 * attempt, under the retry middleware). Returns the IPC handler that reports the running totals.
 */
export function countDynamoCalls(
  client: DynamoDBClient | DynamoDBDocumentClient,
): () => Promise<Record<string, unknown>> {
  const calls: Record<string, number> = {};
  let attempts = 0;
  let keysRead = 0;
  const stack = (client as DynamoDBClient).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      keysRead += keysOf(name, args.input);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCalls', priority: 'high' },
  );
  stack.add(
    (next) => async (args) => {
      attempts++;
      return next(args);
    },
    { step: 'deserialize', name: 'benchCountAttempts' },
  );
  return () => Promise.resolve({ calls: { ...calls }, attempts, keysRead } satisfies DynamoCallCounts);
}

/** Calls per request between two readings, in total and by operation. */
export function callsPerToken(
  before: DynamoCallCounts,
  after: DynamoCallCounts,
  requests: number,
): {
  perToken: number;
  byOperation: Record<string, number>;
  attemptsPerToken: number;
  keysReadPerToken: number | undefined;
} {
  const byOperation: Record<string, number> = {};
  let total = 0;
  for (const [op, n] of Object.entries(after.calls)) {
    const delta = n - (before.calls[op] ?? 0);
    if (delta <= 0) continue;
    total += delta;
    byOperation[op] = requests > 0 ? delta / requests : Number.NaN;
  }
  const per = (n: number) => (requests > 0 ? n / requests : Number.NaN);
  return {
    perToken: per(total),
    byOperation,
    attemptsPerToken: per(after.attempts - before.attempts),
    keysReadPerToken:
      before.keysRead !== undefined && after.keysRead !== undefined ? per(after.keysRead - before.keysRead) : undefined,
  };
}
