import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { Conflict, TemporarilyUnavailable } from '../errors.ts';
import { retryWithJitter, type Table } from './table.ts';

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

/** Does one of the parts write (or check) the item under `key`? A transaction may hold each item only once. */
export function touches(parts: readonly TransactionPart[], key: { pk: string; sk: string }): boolean {
  return parts.some(({ write }) => {
    const item = write.Put?.Item ?? write.Update?.Key ?? write.Delete?.Key ?? write.ConditionCheck?.Key;
    return item?.pk === key.pk && item?.sk === key.sk;
  });
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
    // Admin writes: a conflict that outlasts the retries is a 409 (problem details), as for a concurrent edit.
    await sendTransaction(table, { TransactItems: parts.map((p) => p.write) }, () => new Conflict(CONFLICT_DETAIL));
  } catch (error) {
    throw explain(error, parts);
  }
}

/**
 * Cancelled only because another transaction held one of the items at that moment (two tabs refreshing, racing
 * admin writes of one tenant): nothing was written, so the same transaction may simply run again.
 */
export function isConflictOnly(error: unknown): boolean {
  const reasons = cancellationReasons(error);
  return reasons.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
}

/**
 * TransactWriteItems, run again (short, jittered, bounded) while it is cancelled by a conflict alone; the SDK does
 * not retry those. A condition failure, or the last conflict, is thrown to the caller.
 */
export async function sendTransaction(
  table: Table,
  input: TransactWriteCommandInput,
  onConflict: () => Error = () => new TemporarilyUnavailable(CONFLICT_DETAIL),
): Promise<void> {
  try {
    await retryWithJitter(() => table.doc.send(new TransactWriteCommand(input)), isConflictOnly);
  } catch (error) {
    throw isConflictOnly(error) ? onConflict() : error;
  }
}

const CONFLICT_DETAIL = 'Another request changed the same data at the same moment; nothing was changed. Retry.';

/** The error a cancelled transaction means to the caller: the failed part's own error, or a 409 on a conflict. */
function explain(error: unknown, parts: readonly TransactionPart[]): unknown {
  const reasons = cancellationReasons(error);
  const failed = reasons.indexOf('ConditionalCheckFailed');
  const mapped = failed >= 0 ? parts[failed]?.onConditionFailed?.() : undefined;
  if (mapped) return mapped;
  if (reasons.includes('TransactionConflict')) return new Conflict(CONFLICT_DETAIL);
  return error;
}
