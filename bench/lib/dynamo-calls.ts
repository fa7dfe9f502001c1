import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB calls a server child has made so far, read over IPC before and after a phase (like its CPU). */
export interface DynamoCallCounts {
  /** SDK commands sent (one per `send`, whatever the retries), by operation: `GetItem`, `TransactWriteItems`… */
  readonly calls: Record<string, number>;
  /** HTTP requests, retries included: more than the calls when DynamoDB throttled, conflicted or failed. */
  readonly attempts: number;
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
  const stack = (client as DynamoDBClient).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
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
  return () => Promise.resolve({ calls: { ...calls }, attempts } satisfies DynamoCallCounts);
}

/** Calls per request between two readings, in total and by operation. */
export function callsPerToken(
  before: DynamoCallCounts,
  after: DynamoCallCounts,
  requests: number,
): { perToken: number; byOperation: Record<string, number>; attemptsPerToken: number } {
  const byOperation: Record<string, number> = {};
  let total = 0;
  for (const [op, n] of Object.entries(after.calls)) {
    const delta = n - (before.calls[op] ?? 0);
    if (delta <= 0) continue;
    total += delta;
    byOperation[op] = requests > 0 ? delta / requests : Number.NaN;
  }
  const per = (n: number) => (requests > 0 ? n / requests : Number.NaN);
  return { perToken: per(total), byOperation, attemptsPerToken: per(after.attempts - before.attempts) };
}
