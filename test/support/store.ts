import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Clock } from '../../lambdas/core/clock.ts';
import { ensureTable } from '../../lambdas/core/store/schema.ts';
import { Store } from '../../lambdas/core/store/store.ts';
import { createDocumentClient, Table } from '../../lambdas/core/store/table.ts';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** A Store over a fresh table in the run's DynamoDB Local. */
export async function createTestStore(clock: Clock = new ManualClock()) {
  const { client, doc } = createDocumentClient({ region: 'us-west-2', endpoint: inject('dynamodbEndpoint') });
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  await ensureTable(client, tableName);
  return { store: new Store(new Table(doc, tableName, clock)), table: new Table(doc, tableName, clock), client };
}

/**
 * Records the name of every DynamoDB command `store` sends (e.g. BatchGetCommand) until `stop` is called.
 * The table's document client is shared process-wide in local mode, so stop before the next test.
 */
export function traceStoreCalls(store: Store): { calls: string[]; stop: () => void } {
  const calls: string[] = [];
  const doc = store.table.doc;
  const send = doc.send.bind(doc);
  doc.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    calls.push(command.constructor.name);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof doc.send;
  return {
    calls,
    stop: () => {
      doc.send = send;
    },
  };
}
