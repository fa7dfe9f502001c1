import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { randomToken, sha256 } from '../crypto.ts';
import { KeywayError } from '../errors.ts';
import { keys } from './keys.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/** Records answer replays this long (draft-ietf-httpapi-idempotency-key-header §2.3 leaves it to the server). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** An in-progress claim older than this belongs to an invocation that died; another request may take it over. */
const LOCK_SECONDS = 60;

export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Claim =
  | { readonly kind: 'claimed'; readonly keyHash: string; readonly lockId: string }
  | { readonly kind: 'replay'; readonly response: StoredResponse };

export class IdempotencyKeyReused extends KeywayError {
  constructor() {
    super(
      422,
      'idempotency_key_reused',
      'Idempotency key reused',
      'This Idempotency-Key was used with a different request (method, path or body). Use a new key for a new request.',
    );
  }
}

export class IdempotencyKeyInFlight extends KeywayError {
  constructor() {
    super(
      409,
      'idempotency_key_in_flight',
      'Request in progress',
      'A request with this Idempotency-Key is still being processed; retry after it completes.',
      { 'Retry-After': '1' },
    );
  }
}

/**
 * Stripe-style idempotency keys for the admin API, stored under the tenant the credential acts for.
 *
 * Timeline of one key (each step decided by a DynamoDB condition, never by a read followed by a write):
 * 1. `claim` puts an `in_progress` record with a random lock id, only if no live record exists, or the existing one
 *    is an abandoned claim (its lock expired: the invocation died). A failed condition returns the stored record:
 *    a different request fingerprint → 422; `completed` → its response is replayed; still `in_progress` → 409.
 * 2. The change commits in one transaction with `completeClaim`, which marks the record `completed` with the
 *    response, conditioned on still holding the lock. So a change and its stored response exist together or not at
 *    all, and a takeover of an abandoned claim can never execute a change twice.
 * 3. A request that fails before committing `release`s its claim, so the client can retry with the same key.
 * Records expire (TTL) after IDEMPOTENCY_TTL_SECONDS; expired ones count as absent.
 */
export class IdempotencyRepository {
  constructor(private readonly table: Table) {}

  async claim(scope: string, key: string, fingerprint: string, now: number): Promise<Claim> {
    const keyHash = sha256(key);
    const lockId = randomToken(12);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.idempotency(scope, keyHash),
            type: 'idempotency',
            status: 'in_progress',
            fingerprint,
            lockId,
            lockExpiresAt: now + LOCK_SECONDS,
            ttl: now + IDEMPOTENCY_TTL_SECONDS,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR #ttl <= :now OR (#status = :inProgress AND lockExpiresAt <= :now)',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
          ExpressionAttributeValues: { ':now': now, ':inProgress': 'in_progress' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', keyHash, lockId };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const raw = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const old: Item | undefined = raw ? unmarshall(raw) : undefined;
      if (!old || old.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
      if (old.status === 'completed') return { kind: 'replay', response: old.response as StoredResponse };
      throw new IdempotencyKeyInFlight();
    }
  }

  /** Marks the claim completed with `response`, as part of the change's own transaction. */
  completeClaim(scope: string, claim: { keyHash: string; lockId: string }, response: StoredResponse): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.idempotency(scope, claim.keyHash),
          UpdateExpression: 'SET #status = :completed, #response = :response REMOVE lockExpiresAt',
          ConditionExpression: 'lockId = :lockId AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':inProgress': 'in_progress',
            ':lockId': claim.lockId,
            ':response': response,
          },
        },
      },
      // The lock expired and another request took the key over: this one must not commit its change.
      onConditionFailed: () => new IdempotencyKeyInFlight(),
    };
  }

  /** Gives the key back after a request that changed nothing failed (only while this request holds the lock). */
  async release(scope: string, claim: { keyHash: string; lockId: string }): Promise<void> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.idempotency(scope, claim.keyHash),
          ConditionExpression: 'lockId = :lockId AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':lockId': claim.lockId, ':inProgress': 'in_progress' },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}
