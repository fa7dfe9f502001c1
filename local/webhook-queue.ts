import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { logger } from '../lambdas/core/logger.ts';
import { keys } from '../lambdas/core/store/keys.ts';
import { type Item, isConditionFailed, type Table } from '../lambdas/core/store/table.ts';
import type { DispatchMessage, MessageQueue } from '../lambdas/core/webhooks/messages.ts';

/**
 * Local mode's stand-in for SQS, kept in DynamoDB Local so that stopping `npm start` (even kill -9) loses nothing
 * pending: a message is an item until the dispatcher is done with it. Outbox events arrive here through the same
 * transaction as their change (store/events.ts, relay `local-queue`); the dispatcher's retries through `send`.
 * Like SQS: a received message is leased (visibility timeout) and comes back when its handler dies; after
 * `maxReceives` it moves to the dead-letter partition.
 */
export class LocalWebhookQueue implements MessageQueue {
  constructor(
    private readonly table: Table,
    private readonly options: { leaseMs: number; maxReceives: number } = { leaseMs: 30_000, maxReceives: 5 },
  ) {}

  async send(message: DispatchMessage, delaySeconds: number): Promise<void> {
    const due = this.table.clock.now() + delaySeconds * 1000;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.localQueueMessage(due, ulid()), type: 'queue_message', message, receives: 0 },
      }),
    );
  }

  async deadLetter(message: DispatchMessage, reason: string): Promise<void> {
    const now = this.table.clock.now();
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.localDeadLetter(now, ulid()), type: 'dead_letter', message, reason },
      }),
    );
  }

  /** Leases up to `limit` due messages (each claimed by a condition, so two pollers never take the same one). */
  async receive(limit: number): Promise<Item[]> {
    const now = this.table.clock.now();
    const out = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        ConsistentRead: true,
        KeyConditionExpression: 'pk = :pk AND sk <= :due',
        FilterExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeValues: {
          ':pk': keys.localQueueMessage(0, '').pk,
          ':due': `${String(now).padStart(15, '0')}#~`,
          ':now': now,
        },
        Limit: limit * 4,
      }),
    );
    const claimed: Item[] = [];
    for (const item of out.Items ?? []) {
      if (claimed.length >= limit) break;
      try {
        const res = await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET leaseUntil = :until, receives = receives + :one',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
            ExpressionAttributeValues: { ':until': now + this.options.leaseMs, ':now': now, ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const leased = res.Attributes!;
        if ((leased.receives as number) > this.options.maxReceives) {
          await this.deadLetter(leased.message as DispatchMessage, 'handler failed on every receive');
          await this.ack(leased);
          continue;
        }
        claimed.push(leased);
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    return claimed;
  }

  async ack(item: Item): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: { pk: item.pk, sk: item.sk } }));
  }

  /** Dead letters, oldest first (tests, and an operator looking at local mode). */
  async deadLetters(): Promise<{ message: DispatchMessage; reason: string }[]> {
    const out = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        ConsistentRead: true,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.localDeadLetter(0, '').pk },
      }),
    );
    return (out.Items ?? []).map((i) => ({ message: i.message as DispatchMessage, reason: i.reason as string }));
  }
}

/**
 * Runs the dispatcher on the local queue: polls, leases and handles up to `concurrency` messages at once, and acks
 * each one its handler finished. A handler that throws leaves its message to come back after the lease.
 */
export function startQueuePoller(
  queue: LocalWebhookQueue,
  handle: (message: DispatchMessage) => Promise<void>,
  options: { concurrency: number; idleMs: number } = { concurrency: 16, idleMs: 100 },
): { stop(): Promise<void> } {
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const free = options.concurrency - inFlight.size;
      let items: Item[] = [];
      if (free > 0) {
        try {
          items = await queue.receive(free);
        } catch (error) {
          if (!stopped) logger.error('local webhook queue: receive failed', { error: error as Error });
        }
      }
      for (const item of items) {
        const run = handle(item.message as DispatchMessage)
          .then(() => queue.ack(item))
          .catch((error: Error) => {
            if (!stopped) logger.warn('local webhook queue: handler failed; the message comes back', { error });
          })
          .finally(() => {
            inFlight.delete(run);
            wake?.();
          });
        inFlight.add(run);
      }
      if (items.length === 0 || inFlight.size >= options.concurrency) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.idleMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      // An attempt against a receiver that hangs may take its whole timeout; stopping does not wait for that (its
      // message stays leased and comes back after a restart).
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
