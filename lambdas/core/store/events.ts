import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeTime, encodeTime, monotonicFactory } from 'ulid';
import { type EventInput, type KeywayEvent, TEST_EVENT_TYPE } from '../events/catalog.ts';
import type { DispatchMessage } from '../webhooks/messages.ts';
import { keys } from './keys.ts';
import type { Item, Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/**
 * Partitions a tenant's events are spread over. One DynamoDB partition takes about 1,000 writes a second; events are
 * written with the change that causes them (sign-ins included), so a busy tenant would make one partition hot. The
 * feed merges the shards (one Query each per page).
 */
export const EVENT_SHARDS = 4;
/** The feed promises 30 days; TTL deletes an event a day later (and lazily), so 30 full days are always there. */
export const EVENT_RETENTION_DAYS = 31;

/**
 * How the outbox reaches the dispatcher. `stream`: the table's stream carries every new event item to the event bus
 * (AWS). `local-queue`: the event's queue message is written in the same transaction, to the durable local queue.
 */
export type EventRelay = 'stream' | 'local-queue';

const ID_PREFIX = 'evt_';

/** Monotonic within the process: the events of one change (same millisecond) sort in the order they were made. */
const nextUlid = monotonicFactory();

/** `evt_` + a ULID of `nowMs`: unique, and sorted by time as a string. */
export function newEventId(nowMs: number): string {
  return `${ID_PREFIX}${nextUlid(nowMs)}`;
}

export function isEventId(value: string): boolean {
  return /^evt_[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
}

/** The smallest id of an event created at `ms`: every event of an earlier millisecond sorts below it. */
function firstIdAt(ms: number): string {
  return `${ID_PREFIX}${encodeTime(ms, 10)}${'0'.repeat(16)}`;
}

export function eventTimeMs(eventId: string): number {
  return decodeTime(eventId.slice(ID_PREFIX.length));
}

export interface FeedQuery {
  /** Events strictly after this id (exclusive); absent: from the oldest retained. */
  readonly after?: string | undefined;
  readonly types?: readonly string[] | undefined;
  readonly limit: number;
  /** Only events created before this instant (epoch ms) are served: the settle window (docs/WEBHOOKS.md). */
  readonly settledBeforeMs: number;
}

export interface FeedPage {
  readonly events: KeywayEvent[];
  /**
   * Where the next read continues: the last event returned, or, when none matched, how far every shard was read
   * (so a reader filtering on rare types still moves on). Absent when nothing was read past `after`.
   */
  readonly nextAfter?: string;
}

/** Pages read per shard for one feed page before stopping (a `types` filter may skip many events). */
const MAX_PAGES_PER_SHARD = 5;

export class EventRepository {
  constructor(
    private readonly table: Table,
    private readonly relay: EventRelay = 'stream',
  ) {}

  /**
   * The outbox writes of one event, for the transaction of the change that causes it: the change and its event
   * commit together or not at all. Each event lands in a random shard.
   */
  emit(tenantId: string, input: EventInput, nowMs: number): TransactionPart[] {
    const id = input.id ?? newEventId(nowMs);
    const event: KeywayEvent = {
      id,
      type: input.type,
      timestamp: new Date(eventTimeMs(id)).toISOString(),
      tenant_id: tenantId,
      data: input.data,
    };
    const shard = input.type === TEST_EVENT_TYPE ? 'TEST' : Math.floor(Math.random() * EVENT_SHARDS);
    const parts: TransactionPart[] = [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: {
              ...keys.event(tenantId, shard, id),
              type: 'event',
              eventType: input.type,
              event,
              ttl: Math.floor(nowMs / 1000) + EVENT_RETENTION_DAYS * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      },
    ];
    if (this.relay === 'local-queue') {
      const message: DispatchMessage = { kind: 'event', event };
      parts.push({
        write: {
          Put: {
            TableName: this.table.name,
            Item: { ...keys.localQueueMessage(nowMs, id), type: 'queue_message', message, receives: 0 },
          },
        },
      });
    }
    return parts;
  }

  /** Several events of one change, in the order given (their ids are created in that order). */
  emitAll(tenantId: string, inputs: readonly EventInput[], nowMs: number): TransactionPart[] {
    return inputs.flatMap((input) => this.emit(tenantId, input, nowMs));
  }

  /**
   * The tenant's events oldest first, after `after`, created before the settle instant. Each shard is read in order
   * up to `limit` matches; the page is the merge, cut at the lowest point every shard was read to, so no event
   * below `nextAfter` can be missing from what was returned.
   */
  async readFeed(tenantId: string, query: FeedQuery): Promise<FeedPage> {
    const lower = query.after ?? ID_PREFIX;
    const upper = firstIdAt(query.settledBeforeMs);
    if (lower >= upper) return { events: [] };
    const shards = await Promise.all(
      Array.from({ length: EVENT_SHARDS }, (_, shard) => this.readShard(tenantId, shard, lower, upper, query)),
    );
    // Each shard is complete up to its frontier; together they are complete up to the lowest one.
    let frontier = upper;
    for (const s of shards) if (s.frontier < frontier) frontier = s.frontier;
    const events = shards
      .flatMap((s) => s.events)
      .filter((e) => e.id <= frontier)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, query.limit);
    const last = events.at(-1)?.id ?? (frontier > lower && frontier !== ID_PREFIX ? frontier : undefined);
    return { events, ...(last !== undefined ? { nextAfter: last } : {}) };
  }

  private async readShard(
    tenantId: string,
    shard: number,
    lower: string,
    upper: string,
    query: FeedQuery,
  ): Promise<{ events: KeywayEvent[]; frontier: string }> {
    const events: KeywayEvent[] = [];
    const types = query.types ?? [];
    let start: Item | undefined;
    for (let page = 0; page < MAX_PAGES_PER_SHARD; page++) {
      const out = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: {
            ':pk': keys.event(tenantId, shard, '').pk,
            ':lower': lower,
            ':upper': upper,
            ...Object.fromEntries(types.map((type, i) => [`:t${i}`, type])),
          },
          ...(types.length > 0
            ? { FilterExpression: `eventType IN (${types.map((_, i) => `:t${i}`).join(', ')})` }
            : {}),
          Limit: query.limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? [])
        if (item.sk !== lower && item.sk !== upper && this.table.isLive(item)) events.push(item.event as KeywayEvent);
      start = out.LastEvaluatedKey;
      if (!start) return { events, frontier: upper };
      if (events.length >= query.limit) return { events, frontier: events[query.limit - 1]!.id };
    }
    // Stopped early: this shard is read up to the last key evaluated, no further.
    return { events, frontier: start!.sk as string };
  }
}

/** The event an outbox item holds (a stream record's new image, unmarshalled). */
export function eventOfItem(item: Item): KeywayEvent | undefined {
  return item.type === 'event' && typeof item.event === 'object' ? (item.event as KeywayEvent) : undefined;
}
