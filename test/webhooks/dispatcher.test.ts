import { beforeEach, describe, expect, it } from 'vitest';
import { newEventId } from '../../lambdas/core/store/events.ts';
import type { Store } from '../../lambdas/core/store/store.ts';
import { commit } from '../../lambdas/core/store/transaction.ts';
import type { Webhook } from '../../lambdas/core/store/webhooks.ts';
import {
  type DispatcherDeps,
  deliveryIdOf,
  FAILING_DISABLE_AFTER_SECONDS,
  handleMessage,
} from '../../lambdas/core/webhooks/dispatcher.ts';
import type { AttemptOutcome } from '../../lambdas/core/webhooks/http-delivery.ts';
import type { DispatchMessage, MessageQueue } from '../../lambdas/core/webhooks/messages.ts';
import { parseQueueBody } from '../../lambdas/core/webhooks/queue-body.ts';
import { createTestStore, ManualClock } from '../support/store.ts';

/** The queue as the dispatcher sees it, recorded. */
class RecordingQueue implements MessageQueue {
  sent: { message: DispatchMessage; delaySeconds: number }[] = [];
  dead: { message: DispatchMessage; reason: string }[] = [];
  async send(message: DispatchMessage, delaySeconds: number) {
    this.sent.push({ message, delaySeconds });
  }
  async deadLetter(message: DispatchMessage, reason: string) {
    this.dead.push({ message, reason });
  }
}

let clock: ManualClock;
let store: Store;
let queue: RecordingQueue;
let outcomes: AttemptOutcome[];
let deps: DispatcherDeps;
const schedule = [0, 5_000, 300_000, 1_800_000, 7_200_000]; // the production schedule's start

async function subscription(overrides: Partial<Webhook> = {}): Promise<Webhook> {
  const webhook: Webhook = {
    tenantId: 'acme',
    webhookId: `wh_${Math.random().toString(36).slice(2, 18).padEnd(16, '0')}`,
    url: 'https://hooks.example.com/keyway',
    events: ['*'],
    enabled: true,
    description: '',
    secretSalt: 'salt',
    createdAt: Math.floor(clock.now() / 1000) - 60,
    createdAtMs: clock.now() - 60_000,
    ...overrides,
  };
  await commit(store.table, [store.webhooks.createWebhook(webhook)]);
  return webhook;
}

function event(type = 'user.created') {
  const id = newEventId(clock.now());
  return {
    kind: 'event' as const,
    event: { id, type, timestamp: new Date(clock.now()).toISOString(), tenant_id: 'acme', data: { id: 'u1' } },
  } as DispatchMessage;
}

beforeEach(async () => {
  clock = new ManualClock();
  ({ store } = await createTestStore(clock));
  queue = new RecordingQueue();
  outcomes = [];
  deps = {
    store,
    queue,
    config: { retryScheduleMs: schedule, urlPolicy: 'aws' },
    deliver: async () => outcomes.shift() ?? { status: 204, latencyMs: 3 },
  };
});

const fail = (status: number, retryAfterSeconds?: number): AttemptOutcome => ({
  status,
  latencyMs: 5,
  errorClass: 'http_status',
  ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
});

describe('the dispatcher', () => {
  it('gives the same (event, subscription) the same delivery id, so a redelivered event message fans out once', async () => {
    const hook = await subscription();
    const message = event();
    await handleMessage(message, deps);
    await handleMessage(message, deps); // SQS delivered it twice
    const id = deliveryIdOf((message as { event: { id: string } }).event.id, hook.webhookId);
    const delivery = await store.webhooks.findDelivery('acme', hook.webhookId, id);
    expect(delivery).toMatchObject({ status: 'delivered' });
    expect(delivery!.attempts).toHaveLength(1);
  });

  it('schedules the next attempt with ±10% jitter; Retry-After can lengthen the wait, never shorten it', async () => {
    await subscription();
    outcomes = [fail(503, 3600)];
    await handleMessage(event(), deps);
    const [retry] = queue.sent;
    expect(retry!.message).toMatchObject({ kind: 'attempt' });
    const notBefore = (retry!.message as { notBefore: number }).notBefore;
    expect(notBefore - clock.now()).toBe(3_600_000); // Retry-After beat the 5 s of the schedule
    expect(retry!.delaySeconds).toBe(900); // SQS's longest delay: the rest is chained

    outcomes = [fail(500)];
    queue.sent = [];
    await handleMessage(event(), deps);
    const wait = (queue.sent[0]!.message as { notBefore: number }).notBefore - clock.now();
    expect(wait).toBeGreaterThanOrEqual(4_500);
    expect(wait).toBeLessThanOrEqual(5_500);
  });

  it('an attempt message that arrives early travels on in hops of at most 15 minutes, then runs', async () => {
    await subscription();
    outcomes = [fail(503, 3600), { status: 200, latencyMs: 2 }];
    await handleMessage(event(), deps);
    let message = queue.sent.pop()!.message;
    clock.advance(900);
    await handleMessage(message, deps); // 45 minutes early: re-enqueued, not attempted
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]!.delaySeconds).toBe(900);
    message = queue.sent.pop()!.message;
    clock.advance(2700);
    await handleMessage(message, deps);
    const { deliveryId, webhookId } = message as { deliveryId: string; webhookId: string };
    expect(await store.webhooks.findDelivery('acme', webhookId, deliveryId)).toMatchObject({ status: 'delivered' });
  });

  it('drops a stale attempt message (the delivery moved on) instead of attempting twice', async () => {
    await subscription();
    outcomes = [fail(500), { status: 200, latencyMs: 2 }];
    await handleMessage(event(), deps);
    const message = queue.sent.pop()!.message;
    clock.advance(6);
    await handleMessage(message, deps);
    await handleMessage(message, deps); // a duplicate of the same retry
    const { deliveryId, webhookId } = message as { deliveryId: string; webhookId: string };
    const delivery = await store.webhooks.findDelivery('acme', webhookId, deliveryId);
    expect(delivery!.attempts.map((a) => a.status)).toEqual([500, 200]);
  });

  it('after the last attempt the delivery is failed and its message dead-lettered', async () => {
    await subscription();
    deps = { ...deps, config: { retryScheduleMs: [0, 1000], urlPolicy: 'aws' } };
    outcomes = [fail(500), { latencyMs: 15_000, errorClass: 'timeout' }];
    await handleMessage(event(), deps);
    const retry = queue.sent.pop()!.message;
    clock.advance(2);
    await handleMessage(retry, deps);
    expect(queue.sent).toHaveLength(0);
    expect(queue.dead).toHaveLength(1);
    expect(queue.dead[0]!.reason).toBe('timeout after 2 attempts');
    const { deliveryId, webhookId } = retry as { deliveryId: string; webhookId: string };
    const delivery = await store.webhooks.findDelivery('acme', webhookId, deliveryId);
    expect(delivery).toMatchObject({ status: 'failed' });
    expect(delivery!.attempts.map((a) => a.errorClass)).toEqual(['http_status', 'timeout']);
  });

  it('disables a subscription that has failed for 5 days without a success, emitting webhook.disabled once', async () => {
    const hook = await subscription({ failingSince: Math.floor(clock.now() / 1000) - FAILING_DISABLE_AFTER_SECONDS });
    outcomes = [fail(500)];
    await handleMessage(event(), deps);
    expect(await store.webhooks.findWebhook('acme', hook.webhookId)).toMatchObject({
      enabled: false,
      disabledReason: 'failing',
    });
    outcomes = [fail(500)];
    await handleMessage(event(), deps); // disabled: no longer receives
    const feed = await store.events.readFeed('acme', { limit: 100, settledBeforeMs: clock.now() + 1000 });
    expect(feed.events.filter((e) => e.type === 'webhook.disabled')).toHaveLength(1);
  });

  it('a failed replay only adds its attempt: a retry scheduled meanwhile still runs', async () => {
    await subscription();
    outcomes = [fail(500)];
    await handleMessage(event(), deps);
    const retry = queue.sent.pop()!.message as Extract<DispatchMessage, { kind: 'attempt' }>;
    outcomes = [fail(503)]; // the replay fails too
    await handleMessage({ ...retry, replay: true, notBefore: clock.now() }, deps);
    const mid = await store.webhooks.findDelivery('acme', retry.webhookId, retry.deliveryId);
    expect(mid).toMatchObject({ status: 'pending', nextAttemptAt: retry.notBefore });
    clock.advance(6);
    outcomes = [{ status: 200, latencyMs: 2 }];
    await handleMessage(retry, deps); // the scheduled retry is not stale
    const done = await store.webhooks.findDelivery('acme', retry.webhookId, retry.deliveryId);
    expect(done!.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(done!.status).toBe('delivered');
  });

  it('a dead-letter queue that fails leaves the delivery to be dead-lettered on the next receive', async () => {
    await subscription();
    deps = { ...deps, config: { retryScheduleMs: [0], urlPolicy: 'aws' } };
    const failing: MessageQueue = {
      send: queue.send.bind(queue),
      deadLetter: async () => {
        throw new Error('SQS unavailable');
      },
    };
    const message = event();
    outcomes = [fail(500)];
    await expect(handleMessage(message, { ...deps, queue: failing })).rejects.toThrow('SQS unavailable');
    // The queue delivers the event again: this time the dead letter is written and the delivery is failed.
    outcomes = [fail(500)];
    await handleMessage(message, deps);
    expect(queue.dead).toHaveLength(1);
  });

  it('a success ends the failing streak', async () => {
    const hook = await subscription({ failingSince: Math.floor(clock.now() / 1000) - 3600 });
    await handleMessage(event(), deps);
    expect((await store.webhooks.findWebhook('acme', hook.webhookId))!.failingSince).toBeUndefined();
  });
});

describe('queue bodies', () => {
  it('reads the EventBridge envelope of a stream record (what the pipe forwards) and the dispatcher’s own messages', () => {
    const body = JSON.stringify({
      'detail-type': 'keyway.outbox',
      detail: {
        eventName: 'INSERT',
        dynamodb: {
          NewImage: {
            type: { S: 'event' },
            event: {
              M: {
                id: { S: 'evt_01M8RD7WN310J3J1XMBEEVBQR5' },
                type: { S: 'user.created' },
                timestamp: { S: '2026-12-01T09:00:00.000Z' },
                tenant_id: { S: 'acme' },
                data: { M: { id: { S: 'u1' } } },
              },
            },
          },
        },
      },
    });
    expect(parseQueueBody(body)).toMatchObject({ kind: 'event', event: { id: 'evt_01M8RD7WN310J3J1XMBEEVBQR5' } });
    expect(parseQueueBody('{"kind":"attempt","tenantId":"a"}')).toMatchObject({ kind: 'attempt' });
    expect(parseQueueBody('not json')).toBeUndefined();
    expect(parseQueueBody(JSON.stringify({ detail: { eventName: 'MODIFY', dynamodb: {} } }))).toBeUndefined();
  });
});

describe('WEBHOOK_RETRY_SCHEDULE', () => {
  it('parses units, and refuses a first attempt that waits or a later wait of 0 (a retry must not beat its record)', async () => {
    const { parseRetrySchedule, ConfigError } = await import('../../lambdas/core/config.ts');
    expect(parseRetrySchedule('0s,500ms,5m,2h')).toEqual([0, 500, 300_000, 7_200_000]);
    expect(() => parseRetrySchedule('5s,5s')).toThrow(ConfigError);
    expect(() => parseRetrySchedule('0s,0s')).toThrow(ConfigError);
    expect(() => parseRetrySchedule('0s,soon')).toThrow(ConfigError);
    expect(() => parseRetrySchedule('0s,25h')).toThrow(ConfigError);
  });
});
