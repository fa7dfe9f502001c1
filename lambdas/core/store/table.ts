import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
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
