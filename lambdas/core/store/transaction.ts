import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { Conflict } from '../errors.ts';
import type { Table } from './table.ts';

/** One item of a TransactWriteItems call (Put, Update, Delete or ConditionCheck), in the document client's shape. */
export type WriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A write that repositories contribute to a shared transaction, so that an audit entry (or an idempotency record)
 * commits with the change it describes, or not at all. `onConditionFailed` names what a failed condition of this
 * item means to the caller (a taken name, a concurrent change); without it the cancellation is rethrown.
 */
export interface TransactionPart {
  readonly write: WriteItem;
  readonly onConditionFailed?: () => Error;
}

/** DynamoDB's limit on the items of one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

/** Why each item of a cancelled transaction failed, in order (`None` for the ones that did not). */
export function cancellationReasons(error: unknown): string[] {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] } | undefined)?.CancellationReasons;
  return (reasons ?? []).map((r) => r.Code ?? 'None');
}

/**
 * Commits the parts atomically. When a condition fails, the first failed part's own error is thrown; a conflict
 * with a concurrent transaction is a 409. Either way the transaction wrote nothing.
 */
export async function commit(table: Table, parts: readonly TransactionPart[]): Promise<void> {
  if (parts.length === 0) return;
  if (parts.length > MAX_TRANSACTION_ITEMS)
    throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ITEMS} items`);
  try {
    await table.doc.send(new TransactWriteCommand({ TransactItems: parts.map((p) => p.write) }));
  } catch (error) {
    const reasons = cancellationReasons(error);
    const failed = reasons.indexOf('ConditionalCheckFailed');
    const mapped = failed >= 0 ? parts[failed]?.onConditionFailed?.() : undefined;
    if (mapped) throw mapped;
    // Another transaction held one of the items at that moment: nothing was written, the caller may retry.
    if (reasons.includes('TransactionConflict'))
      throw new Conflict('Another request changed the same data at the same moment; nothing was changed. Retry.');
    throw error;
  }
}
