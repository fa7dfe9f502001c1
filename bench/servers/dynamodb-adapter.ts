/**
 * node-oidc-provider's storage on DynamoDB, written from its adapter interface for the bench's like-for-like peer:
 * the same DynamoDB Local as Keyway, through the same SDK packages and the same client settings (the caller passes
 * a document client built by Keyway's own `createDocumentClient`).
 *
 * One table of its own, on-demand, a single hash key `pk` = `{model}#{id}`; the provider's payload is one map
 * attribute. Three sparse GSIs serve the lookups that are not by id, so none of them scans:
 *
 * - `grantId` (KEYS_ONLY): every item of a grant, for `revokeByGrantId` (query, then BatchWriteItem deletes);
 * - `uid` = `{model}#{uid}` (ALL): `findByUid` (sessions);
 * - `userCode` = `{model}#{userCode}` (ALL): `findByUserCode` (device codes).
 *
 * Expiry: `expiresAt` (epoch seconds) is the table's TTL attribute; DynamoDB deletes expired items lazily, so an item
 * past it is treated as absent. `consume` is a conditional UpdateItem (`attribute_exists`), so it never creates an item.
 * Reads by id are strongly consistent (a refresh must find the token the previous response returned).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Adapter, AdapterPayload } from 'oidc-provider';

export const PEER_TABLE_SCHEMA = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  indexes: { grantId: 'grantId', uid: 'uid', userCode: 'userCode' },
} as const;

/** Creates the peer's table (on-demand, three GSIs, TTL) if it does not exist. */
export async function ensurePeerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { partitionKey, indexes } = PEER_TABLE_SCHEMA;
  const index = (attribute: string, projection: 'ALL' | 'KEYS_ONLY') => ({
    IndexName: attribute,
    KeySchema: [{ AttributeName: attribute, KeyType: 'HASH' as const }],
    Projection: { ProjectionType: projection },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, indexes.grantId, indexes.uid, indexes.userCode].map((name) => ({
          AttributeName: name,
          AttributeType: 'S' as const,
        })),
        KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          index(indexes.grantId, 'KEYS_ONLY'),
          index(indexes.uid, 'ALL'),
          index(indexes.userCode, 'ALL'),
        ],
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: PEER_TABLE_SCHEMA.ttlAttribute, Enabled: true },
    }),
  );
}

interface StoredItem {
  pk: string;
  payload: AdapterPayload;
  expiresAt?: number;
  grantId?: string;
  uid?: string;
  userCode?: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const live = (item: Record<string, unknown> | undefined): item is Record<string, unknown> & StoredItem =>
  item !== undefined && (typeof item.expiresAt !== 'number' || item.expiresAt > nowSeconds());
/** DynamoDB refuses a partition key over 2,048 bytes (a ValidationException); such an id names no stored item. */
const fits = (pk: string) => Buffer.byteLength(pk) <= 2048;

/** The adapter class node-oidc-provider instantiates once per model name (`new Adapter('RefreshToken')`). */
export function dynamoDbAdapter(doc: DynamoDBDocumentClient, tableName: string): new (name: string) => Adapter {
  const { indexes } = PEER_TABLE_SCHEMA;

  async function queryIndex(index: string, value: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': index },
          ExpressionAttributeValues: { ':v': value },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async function deleteAll(pks: readonly string[]): Promise<void> {
    for (let i = 0; i < pks.length; i += 25) {
      let requests: Record<string, unknown>[] | undefined = pks
        .slice(i, i + 25)
        .map((pk) => ({ DeleteRequest: { Key: { pk } } }));
      for (let attempt = 0; requests && requests.length > 0; attempt++) {
        if (attempt > 5) throw new Error('BatchWriteItem left deletes unprocessed');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** (attempt - 1)));
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
      }
    }
  }

  return class DynamoDbAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private pk(id: string): string {
      return `${this.model}#${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const item: StoredItem = { pk: this.pk(id), payload };
      if (expiresIn) item.expiresAt = nowSeconds() + expiresIn;
      if (typeof payload.grantId === 'string') item.grantId = payload.grantId;
      if (typeof payload.uid === 'string') item.uid = `${this.model}#${payload.uid}`;
      if (typeof payload.userCode === 'string') item.userCode = `${this.model}#${payload.userCode}`;
      await doc.send(new PutCommand({ TableName: tableName, Item: item }));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const pk = this.pk(id);
      if (!fits(pk)) return undefined;
      const out = await doc.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }));
      return live(out.Item) ? out.Item.payload : undefined;
    }

    private async findBy(index: string, value: string): Promise<AdapterPayload | undefined> {
      const key = `${this.model}#${value}`;
      if (!fits(key)) return undefined;
      const found = (await queryIndex(index, key)).find(live);
      return found?.payload as AdapterPayload | undefined;
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findBy(indexes.uid, uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findBy(indexes.userCode, userCode);
    }

    async consume(id: string): Promise<void> {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: this.pk(id) },
            UpdateExpression: 'SET #payload.#consumed = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#payload': 'payload', '#consumed': 'consumed' },
            ExpressionAttributeValues: { ':now': nowSeconds() },
          }),
        );
      } catch (error) {
        // Gone (destroyed, revoked or expired and deleted) since the provider found it: nothing left to mark, as in
        // the provider's own memory adapter.
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    }

    async destroy(id: string): Promise<void> {
      const pk = this.pk(id);
      if (fits(pk)) await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk } }));
    }

    /** Every item of the grant, whatever its model (the provider calls this once per token model, concurrently). */
    async revokeByGrantId(grantId: string): Promise<void> {
      if (!fits(grantId)) return;
      const items = await queryIndex(indexes.grantId, grantId);
      await deleteAll(items.map((i) => i.pk as string));
    }
  };
}
