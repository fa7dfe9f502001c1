import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidRequest } from '../errors.ts';
import { TABLE_SCHEMA } from './schema.ts';
import type { Item, Table } from './table.ts';

/** One partition (of the table or of GSI1), optionally narrowed to sort keys with a prefix. */
export interface PartitionQuery {
  readonly index?: 'gsi1';
  readonly partition: string;
  readonly sortPrefix?: string;
  /** Newest (greatest sort key) first. */
  readonly descending?: boolean;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}

export const MAX_PAGE_SIZE = 100;

function keyNames(query: PartitionQuery) {
  const { partitionKey, sortKey, gsi1 } = TABLE_SCHEMA;
  return query.index === 'gsi1'
    ? { pk: gsi1.partitionKey, sk: gsi1.sortKey, all: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey] }
    : { pk: partitionKey, sk: sortKey, all: [partitionKey, sortKey] };
}

/**
 * A cursor is the DynamoDB LastEvaluatedKey, base64url JSON. It is checked before use: exactly the key attributes
 * of this query, strings only, in the queried partition and prefix. A cursor from another tenant's listing (or any
 * forged one) names another partition and is refused with a 400; it can never move the query elsewhere.
 */
function decodeCursor(cursor: string, query: PartitionQuery): Item {
  const names = keyNames(query);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const { partitionKey, sortKey, gsi1 } = TABLE_SCHEMA;
  const isSortKey = (n: string) => n === sortKey || n === gsi1.sortKey;
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).length === names.all.length &&
    // DynamoDB's own limits on key values (else a forged cursor would be a ValidationException, a 500).
    names.all.every((n) => {
      const v = (key as Item)[n];
      return typeof v === 'string' && v.length > 0 && Buffer.byteLength(v) <= (isSortKey(n) ? 1024 : 2048);
    }) &&
    ((key as Item)[partitionKey] as string).startsWith('T#') &&
    (key as Item)[names.pk] === query.partition &&
    ((key as Item)[names.sk] as string).startsWith(query.sortPrefix ?? '');
  if (!valid) throw new InvalidRequest('cursor: not a cursor of this listing (use next_cursor as returned).');
  return key as Item;
}

/** Every item of a listing, page after page (for bulk work; the admin API serves pages). */
export async function allPages<T>(
  page: (options: { limit: number; cursor?: string | undefined }) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page({ limit: MAX_PAGE_SIZE, cursor });
    items.push(...next.items);
    cursor = next.nextCursor;
  } while (cursor);
  return items;
}

/** One page of a partition, live items only (an expired item waiting for TTL deletion is left out). */
export async function queryPage(
  table: Table,
  query: PartitionQuery,
  options: { limit: number; cursor?: string | undefined },
): Promise<Page<Item>> {
  const names = keyNames(query);
  const startKey = options.cursor ? decodeCursor(options.cursor, query) : undefined;
  const out = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      ...(query.index ? { IndexName: TABLE_SCHEMA.gsi1.name } : {}),
      KeyConditionExpression: query.sortPrefix !== undefined ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
      ExpressionAttributeNames: { '#pk': names.pk, ...(query.sortPrefix !== undefined ? { '#sk': names.sk } : {}) },
      ExpressionAttributeValues: {
        ':pk': query.partition,
        ...(query.sortPrefix !== undefined ? { ':prefix': query.sortPrefix } : {}),
      },
      Limit: Math.min(options.limit, MAX_PAGE_SIZE),
      ScanIndexForward: !query.descending,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const last = out.LastEvaluatedKey;
  return {
    items: (out.Items ?? []).filter((i) => table.isLive(i)),
    ...(last ? { nextCursor: Buffer.from(JSON.stringify(last)).toString('base64url') } : {}),
  };
}
