import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Conflict, InvalidRequest } from '../errors.ts';
import { strip, unchangedSince } from './item.ts';
import { keys } from './keys.ts';
import { allPages, type Page, queryPage } from './paging.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/** A tenant's webhook subscription. Its signing secret is derived, never stored (core/webhooks/secrets.ts). */
export interface Webhook {
  readonly tenantId: string;
  readonly webhookId: string;
  readonly url: string;
  /** Event types, or `["*"]`. */
  readonly events: readonly string[];
  readonly enabled: boolean;
  readonly description: string;
  /** Random, not secret: the secret is derived from it with a key only Keyway's functions may use. */
  readonly secretSalt: string;
  /** The secret before the last rotation, still signing deliveries until `previousSecretExpiresAt` (epoch s). */
  readonly previousSecretSalt?: string;
  readonly previousSecretExpiresAt?: number;
  /** Why Keyway disabled it (`gone`: the receiver answered 410; `failing`: 5 days without a success). */
  readonly disabledReason?: 'gone' | 'failing';
  /** Epoch seconds of the first failed attempt since the last success. */
  readonly failingSince?: number;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Epoch milliseconds of the creation: events from before it are not the subscription's. */
  readonly createdAtMs: number;
  /** Epoch milliseconds of the last admin change (optimistic concurrency). */
  readonly updatedAt?: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  readonly attempt: number;
  /** ISO 8601. */
  readonly at: string;
  readonly status: number | null;
  readonly latencyMs: number;
  readonly errorClass: string | null;
  readonly replay?: boolean;
}

export interface Delivery {
  readonly tenantId: string;
  readonly webhookId: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The event's JSON exactly as sent: every attempt and replay sends (and signs) the same bytes. */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: readonly DeliveryAttempt[];
  /** Epoch ms of the next scheduled attempt while pending. */
  readonly nextAttemptAt?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Delivery log items expire after this (DynamoDB TTL), documented in docs/WEBHOOKS.md. */
export const DELIVERY_RETENTION_DAYS = 30;

const concurrentChange = () =>
  new Conflict('The webhook changed (or was deleted) concurrently; read it again and retry.');

export class WebhookRepository {
  constructor(private readonly table: Table) {}

  createWebhook(webhook: Webhook): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.webhook(webhook.tenantId, webhook.webhookId), type: 'webhook', ...webhook },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new Conflict('The webhook id is taken.'),
    };
  }

  /** Replaces the subscription, conditioned on it being the one `old` was read from (PATCH, rotation, disabling). */
  updateWebhook(old: Webhook, next: Webhook): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.webhook(next.tenantId, next.webhookId), type: 'webhook', ...next },
          ...unchangedSince(old),
        },
      },
      onConditionFailed: concurrentChange,
    };
  }

  deleteWebhook(webhook: Webhook): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.webhook(webhook.tenantId, webhook.webhookId),
          ...unchangedSince(webhook),
        },
      },
      onConditionFailed: concurrentChange,
    };
  }

  async findWebhook(tenantId: string, webhookId: string): Promise<Webhook | undefined> {
    const item = await this.table.get(keys.webhook(tenantId, webhookId), true);
    return item ? strip<Webhook>(item) : undefined;
  }

  async listWebhooks(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<Webhook>> {
    const out = await queryPage(this.table, { partition: keys.tenant(tenantId).pk, sortPrefix: 'WEBHOOK#' }, page);
    return { ...out, items: out.items.map((i) => strip<Webhook>(i)) };
  }

  /** Every subscription of the tenant (the dispatcher's fan-out). */
  async allWebhooks(tenantId: string): Promise<Webhook[]> {
    return allPages((page) => this.listWebhooks(tenantId, page));
  }

  /**
   * After a successful attempt: the subscription is healthy again. Conditional, so the common case (not failing)
   * costs a condition check that fails, not a write.
   */
  async recordSuccess(webhook: Webhook): Promise<void> {
    if (webhook.failingSince === undefined) return;
    await this.table.doc
      .send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.webhook(webhook.tenantId, webhook.webhookId),
          UpdateExpression: 'REMOVE failingSince',
          ConditionExpression: 'attribute_exists(failingSince)',
        }),
      )
      .catch(ignoreConditionFailed);
  }

  /** After a failed attempt: the start of the failing streak, set once (kept by if_not_exists) and returned. */
  async recordFailure(webhook: Webhook, now: number): Promise<number | undefined> {
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.webhook(webhook.tenantId, webhook.webhookId),
          UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes?.failingSince as number | undefined;
    } catch (error) {
      ignoreConditionFailed(error); // deleted meanwhile
      return undefined;
    }
  }

  /** Keyway disables a subscription (410, or failing for days): only while enabled, so it is disabled (and its
   * webhook.disabled event emitted) once. */
  disablePart(webhook: Webhook, reason: 'gone' | 'failing', nowMs: number): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.webhook(webhook.tenantId, webhook.webhookId),
          UpdateExpression: 'SET enabled = :false, disabledReason = :reason, updatedAt = :now REMOVE failingSince',
          ConditionExpression: 'attribute_exists(pk) AND enabled = :true',
          ExpressionAttributeValues: { ':false': false, ':true': true, ':reason': reason, ':now': nowMs },
        },
      },
      onConditionFailed: () => new AlreadyDisabled(),
    };
  }

  // Deliveries: one item per (event, subscription), its attempts inside.

  /** Creates the delivery unless it exists (a redelivered queue message fans out again): true when created. */
  async createDelivery(delivery: Delivery): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.delivery(delivery.tenantId, delivery.webhookId, delivery.deliveryId),
            type: 'delivery',
            ...delivery,
            ttl: Math.floor(delivery.createdAt / 1000) + DELIVERY_RETENTION_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      ignoreConditionFailed(error);
      return false;
    }
  }

  async findDelivery(tenantId: string, webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    if (!/^dlv_[0-9A-Z]{26}$/.test(deliveryId)) return undefined;
    const out = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: keys.delivery(tenantId, webhookId, deliveryId),
        ConsistentRead: true,
      }),
    );
    return this.table.isLive(out.Item) ? toDelivery(out.Item) : undefined;
  }

  /** Appends an attempt and moves the delivery to its next state (`next` undefined: the state stays as it is). */
  async recordAttempt(
    delivery: Delivery,
    attempt: DeliveryAttempt,
    next: { status: DeliveryStatus; nextAttemptAt?: number | undefined } | undefined,
    nowMs: number,
  ): Promise<void> {
    const state = next ? `, #status = :status${next.nextAttemptAt !== undefined ? ', nextAttemptAt = :next' : ''}` : '';
    const remove = next && next.nextAttemptAt === undefined ? ' REMOVE nextAttemptAt' : '';
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.delivery(delivery.tenantId, delivery.webhookId, delivery.deliveryId),
        UpdateExpression: `SET attempts = list_append(attempts, :attempt), updatedAt = :now${state}${remove}`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(next ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: {
          ':attempt': [attempt],
          ':now': nowMs,
          ...(next ? { ':status': next.status } : {}),
          ...(next?.nextAttemptAt !== undefined ? { ':next': next.nextAttemptAt } : {}),
        },
      }),
    );
  }

  /** Newest first, optionally only one status; `range` (delivery ids) bounds the bulk replay. */
  async listDeliveries(
    tenantId: string,
    webhookId: string,
    page: { limit: number; cursor?: string | undefined },
    filter: { status?: DeliveryStatus | undefined; fromId?: string; toId?: string; oldestFirst?: boolean } = {},
  ): Promise<Page<Delivery>> {
    const partition = keys.delivery(tenantId, webhookId, '').pk;
    // A status filter reads past non-matching deliveries: a page holds up to `limit` matches of up to 5 reads.
    const items: Delivery[] = [];
    let start: Item | undefined = page.cursor ? decodeDeliveryCursor(page.cursor, partition) : undefined;
    for (let reads = 0; reads < 5 && items.length < page.limit; reads++) {
      const out = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ...(filter.status
            ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
            : {}),
          ExpressionAttributeValues: {
            ':pk': partition,
            ':from': `DLV#${filter.fromId ?? ''}`,
            ':to': `DLV#${filter.toId ?? '~'}`,
            ...(filter.status ? { ':status': filter.status } : {}),
          },
          ScanIndexForward: filter.oldestFirst === true,
          Limit: page.limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []).filter((i) => this.table.isLive(i)).map(toDelivery));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return { items, ...(start ? { nextCursor: Buffer.from(String(start.sk)).toString('base64url') } : {}) };
  }
}

/** The subscription was already disabled (by an administrator or an earlier failure): nothing more to do. */
export class AlreadyDisabled extends Error {}

/** The cursor is the last delivery's sort key; only a delivery key of this partition is accepted. */
function decodeDeliveryCursor(cursor: string, partition: string): Item {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^DLV#dlv_[0-9A-Z]{26}$/.test(sk))
    throw new InvalidRequest('cursor: not a cursor of this listing (use next_cursor as returned).');
  return { pk: partition, sk };
}

function ignoreConditionFailed(error: unknown): void {
  if (!isConditionFailed(error)) throw error;
}

export function toDelivery(item: Item): Delivery {
  return strip<Delivery>(item);
}
