import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, epochSeconds } from '../clock.ts';

export type Item = Record<string, unknown>;
export interface Key {
  pk: string;
  sk: string;
}

/** Low-level access shared by the repositories: the document client, the table name and the TTL rule. */
export class Table {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly name: string,
    readonly clock: Clock,
  ) {}

  /** DynamoDB deletes expired items lazily (up to days later), so an item past its `ttl` is treated as absent. */
  isLive(item: Item | undefined): item is Item {
    if (!item) return false;
    const ttl = item.ttl;
    return typeof ttl !== 'number' || ttl > epochSeconds(this.clock);
  }

  async get(key: Key, consistent = false): Promise<Item | undefined> {
    // A key built from oversized input (a 3 KB client_id, say) cannot name a stored item; DynamoDB would
    // refuse it with a ValidationException, which must not become a 500.
    if (!keyFits(key)) return undefined;
    const out = await this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: consistent }));
    return this.isLive(out.Item) ? out.Item : undefined;
  }

  /**
   * Strongly consistent BatchGetItem of up to 100 keys in one round trip; returns the live items in the order of
   * `keyList` (undefined for absent, expired or impossible keys; a key given twice gets its item twice). Unprocessed keys are retried with backoff.
   */
  async batchGet(keyList: readonly Key[]): Promise<(Item | undefined)[]> {
    // DynamoDB refuses a batch that names a key twice (a chain whose actors repeat, say): each is read once.
    const wanted = [...new Map(keyList.filter(keyFits).map((k) => [`${k.pk}\n${k.sk}`, k])).values()];
    let items: Item[] = [];
    let unprocessed: Record<string, unknown>[] | undefined =
      wanted.length > 0 ? wanted.map((k) => ({ pk: k.pk, sk: k.sk })) : undefined;
    for (let attempt = 0; unprocessed && unprocessed.length > 0; attempt++) {
      if (attempt > 5) throw new Error('BatchGetItem left keys unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** (attempt - 1)));
      const out = await this.doc.send(
        new BatchGetCommand({ RequestItems: { [this.name]: { Keys: unprocessed, ConsistentRead: true } } }),
      );
      items = items.concat(out.Responses?.[this.name] ?? []);
      unprocessed = out.UnprocessedKeys?.[this.name]?.Keys;
    }
    return keyList.map((k) => {
      const found = items.find((i) => i.pk === k.pk && i.sk === k.sk);
      return this.isLive(found) ? found : undefined;
    });
  }

  /** Condition for "this key is free, or holds only an expired leftover". */
  freeOrExpired() {
    return {
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': epochSeconds(this.clock) },
    };
  }
}

/** DynamoDB's key size limits: 2048 bytes for a partition key, 1024 for a sort key. */
export function keyFits(key: Key): boolean {
  return Buffer.byteLength(key.pk) <= 2048 && Buffer.byteLength(key.sk) <= 1024;
}

export function createDocumentClient(options: { region: string; endpoint?: string | undefined }) {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          // DynamoDB Local accepts any credentials; only used when pointing at an emulator without AWS creds.
          ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, doc };
}

/**
 * Runs a write again, after a short jittered pause, while it fails with an error `retryable` accepts (one that wrote
 * nothing), at most `attempts` times in all; then its last error is thrown.
 */
export async function retryWithJitter<T>(
  write: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  attempts = 4,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!retryable(error) || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20 * attempt));
    }
  }
}

/**
 * A single-item write refused because a transaction held the item at that moment (TransactionConflictException, which
 * the SDK does not retry) is run again: the tenant item is in every admin transaction.
 */
export function retryOnTransactionConflict<T>(write: () => Promise<T>): Promise<T> {
  return retryWithJitter(write, (error) => (error as Error).name === 'TransactionConflictException');
}

export function isConditionFailed(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/** A transaction cancelled because one of its conditions failed (not throttling or a conflict). */
export function isTransactionConditionFailed(error: unknown): boolean {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  return (
    e?.name === 'TransactionCanceledException' &&
    !!e.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
  );
}
