import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFound } from '../errors.ts';
import type { ApiKeyScope } from '../vocabulary.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

export { API_KEY_SCOPES, type ApiKeyScope } from '../vocabulary.ts';

export interface ApiKey {
  readonly tenantId: string;
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  /** SHA-256 (base64url) of the whole secret; the secret itself is shown once and never stored. */
  readonly secretHash: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Who created it: `operator` or `key:{keyId}`. */
  readonly createdBy: string;
  /** Epoch seconds, refreshed at most once per LAST_USED_RESOLUTION. */
  readonly lastUsedAt?: number;
  readonly revokedAt?: number;
}

/** last_used_at is written at most this often per key (one conditional UpdateItem), not on every call. */
export const LAST_USED_RESOLUTION_SECONDS = 3600;
/** A revoked key stays listed (as revoked) this long, then TTL removes it. */
const REVOKED_KEY_RETENTION = 90 * 86_400;

export class ApiKeyRepository {
  constructor(private readonly table: Table) {}

  /** Claims the key id (random, so a collision is astronomically unlikely; the condition still refuses one). */
  createKey(key: ApiKey): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.apiKey(key.tenantId, key.keyId), type: 'api_key', ...key },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    };
  }

  /** Strongly consistent: a key revoked a moment ago must already fail. */
  async findKey(tenantId: string, keyId: string): Promise<ApiKey | undefined> {
    const item = await this.table.get(keys.apiKey(tenantId, keyId), true);
    return item ? toApiKey(item) : undefined;
  }

  async listKeys(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<ApiKey>> {
    const out = await queryPage(this.table, { partition: keys.tenant(tenantId).pk, sortPrefix: 'APIKEY#' }, page);
    return { ...out, items: out.items.map(toApiKey) };
  }

  /** Revokes a live key; an unknown or already revoked key is a 404 (the transaction then writes nothing). */
  revokeKey(tenantId: string, keyId: string, now: number): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.apiKey(tenantId, keyId),
          UpdateExpression: 'SET revokedAt = :now, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now, ':ttl': now + REVOKED_KEY_RETENTION },
        },
      },
      onConditionFailed: () => new NotFound('No such API key (or it is already revoked).'),
    };
  }

  /**
   * Records use at most once per LAST_USED_RESOLUTION_SECONDS: callers skip this while the stored value is fresh,
   * and the condition makes concurrent calls write once.
   */
  async touchKey(key: ApiKey, now: number): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.apiKey(key.tenantId, key.keyId),
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :stale)',
          ExpressionAttributeValues: { ':now': now, ':stale': now - LAST_USED_RESOLUTION_SECONDS },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}

function toApiKey(item: Item): ApiKey {
  return strip<ApiKey>(item);
}
