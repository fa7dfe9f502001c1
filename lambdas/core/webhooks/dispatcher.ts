import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { WebhookConfig } from '../config.ts';
import { type KeywayEvent, subscribes, TEST_EVENT_TYPE } from '../events/catalog.ts';
import { logger } from '../logger.ts';
import { eventTimeMs } from '../store/events.ts';
import type { Store } from '../store/store.ts';
import { commit } from '../store/transaction.ts';
import { AlreadyDisabled, type Delivery, type DeliveryAttempt, type Webhook } from '../store/webhooks.ts';
import { type AttemptOutcome, type AttemptRequest, attemptDelivery, type UrlPolicy } from './http-delivery.ts';
import { type DispatchMessage, MAX_QUEUE_DELAY_SECONDS, type MessageQueue } from './messages.ts';
import { signatureHeader, signingSecret } from './secrets.ts';

/** Per attempt: connect, send and read the answer within this (the 15 s). */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** A subscription with no successful attempt for this long, while attempts fail, is disabled. */
export const FAILING_DISABLE_AFTER_SECONDS = 5 * 86_400;

export interface DispatcherDeps {
  readonly store: Store;
  readonly queue: MessageQueue;
  readonly config: Pick<WebhookConfig, 'retryScheduleMs' | 'urlPolicy'>;
  /** The HTTP attempt (tests may wrap it). */
  readonly deliver?: (
    request: AttemptRequest,
    options: { policy: UrlPolicy; timeoutMs: number },
  ) => Promise<AttemptOutcome>;
}

/**
 * One queue message, whatever its kind. Throws when the message must be seen again (the queue redelivers it);
 * returns when it is done with, including when it turned out to be stale or a duplicate.
 */
export async function handleMessage(message: DispatchMessage, deps: DispatcherDeps): Promise<void> {
  if (message.kind === 'event') return fanOut(message.event, deps);
  return handleAttempt(message, deps);
}

/** The delivery id of (event, subscription): the same on every fan-out of the same event, ordered by event time. */
export function deliveryIdOf(eventId: string, webhookId: string): string {
  const digest = createHash('sha256').update(`${eventId}|${webhookId}`).digest();
  let i = 0;
  return `dlv_${ulid(eventTimeMs(eventId), () => digest[i++ % digest.length]! / 256)}`;
}

/**
 * An event's subscriptions each get a delivery and a first attempt, all at once. A subscription created after the
 * event (the queue may lag) does not get it: it subscribed to what happens from then on (the feed has the past).
 */
async function fanOut(event: KeywayEvent, deps: DispatcherDeps): Promise<void> {
  const eventMs = eventTimeMs(event.id);
  const webhooks = (await deps.store.webhooks.allWebhooks(event.tenant_id)).filter((w) =>
    event.type === TEST_EVENT_TYPE
      ? w.webhookId === event.data.webhook_id
      : w.enabled && subscribes(w.events, event.type) && w.createdAtMs <= eventMs,
  );
  const results = await Promise.allSettled(webhooks.map((w) => firstAttempt(event, w, deps)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

async function firstAttempt(event: KeywayEvent, webhook: Webhook, deps: DispatcherDeps): Promise<void> {
  const nowMs = deps.store.clock.now();
  const delivery: Delivery = {
    tenantId: event.tenant_id,
    webhookId: webhook.webhookId,
    deliveryId: deliveryIdOf(event.id, webhook.webhookId),
    eventId: event.id,
    eventType: event.type,
    // One serialisation, kept: every attempt and replay sends the same bytes.
    payload: JSON.stringify({
      id: event.id,
      type: event.type,
      timestamp: event.timestamp,
      tenant_id: event.tenant_id,
      data: event.data,
    }),
    status: 'pending',
    attempts: [],
    createdAt: nowMs,
    updatedAt: nowMs,
  };
  if (!(await deps.store.webhooks.createDelivery(delivery))) {
    // The event message came again. Its delivery already has its own attempts (and their chain): leave it, unless
    // the earlier run stopped before the first attempt was recorded.
    const existing = await deps.store.webhooks.findDelivery(delivery.tenantId, webhook.webhookId, delivery.deliveryId);
    if (existing?.status !== 'pending' || existing.attempts.length > 0) return;
    return attempt(existing, webhook, deps, { replay: false });
  }
  return attempt(delivery, webhook, deps, { replay: false });
}

async function handleAttempt(message: Extract<DispatchMessage, { kind: 'attempt' }>, deps: DispatcherDeps) {
  const { store } = deps;
  const delivery = await store.webhooks.findDelivery(message.tenantId, message.webhookId, message.deliveryId);
  if (!delivery) return; // expired or its tenant deleted
  if (!message.replay && (delivery.status !== 'pending' || delivery.nextAttemptAt !== message.notBefore)) return; // stale
  if (message.onlyIfFailed && delivery.status !== 'failed') return; // replayed successfully since
  const wait = message.notBefore - store.clock.now();
  if (wait > 1000) {
    // Longer than one queue delay allows: the message travels on in hops of at most 15 minutes.
    await deps.queue.send(message, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(wait / 1000)));
    return;
  }
  const webhook = await store.webhooks.findWebhook(message.tenantId, message.webhookId);
  if (!webhook || (!webhook.enabled && delivery.eventType !== TEST_EVENT_TYPE)) {
    await store.webhooks.recordAttempt(
      delivery,
      {
        attempt: delivery.attempts.length + 1,
        at: new Date().toISOString(),
        status: null,
        latencyMs: 0,
        errorClass: 'subscription_disabled',
      },
      { status: 'failed' },
      store.clock.now(),
    );
    return;
  }
  return attempt(delivery, webhook, deps, { replay: message.replay === true });
}

/** The signing secrets of this moment: the current one, and the previous one during a rotation's overlap. */
async function secretsOf(webhook: Webhook, nowSeconds: number): Promise<string[]> {
  const secrets = [await signingSecret(webhook.tenantId, webhook.webhookId, webhook.secretSalt)];
  if (webhook.previousSecretSalt && (webhook.previousSecretExpiresAt ?? 0) > nowSeconds)
    secrets.push(await signingSecret(webhook.tenantId, webhook.webhookId, webhook.previousSecretSalt));
  return secrets;
}

async function attempt(delivery: Delivery, webhook: Webhook, deps: DispatcherDeps, options: { replay: boolean }) {
  const { store, queue, config } = deps;
  const startedMs = store.clock.now();
  const timestamp = Math.floor(startedMs / 1000);
  const headers = {
    'webhook-id': delivery.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(
      delivery.eventId,
      timestamp,
      delivery.payload,
      await secretsOf(webhook, timestamp),
    ),
  };
  const deliver = deps.deliver ?? attemptDelivery;
  const outcome = await deliver(
    { url: webhook.url, headers, body: delivery.payload },
    { policy: config.urlPolicy, timeoutMs: ATTEMPT_TIMEOUT_MS },
  );
  const record: DeliveryAttempt = {
    attempt: delivery.attempts.length + 1,
    at: new Date(startedMs).toISOString(),
    status: outcome.status ?? null,
    latencyMs: outcome.latencyMs,
    errorClass: outcome.errorClass ?? null,
    ...(options.replay ? { replay: true } : {}),
  };
  const nowMs = store.clock.now();

  if (outcome.errorClass === undefined) {
    await store.webhooks.recordAttempt(delivery, record, { status: 'delivered' }, nowMs);
    await store.webhooks.recordSuccess(webhook);
    return;
  }
  if (outcome.status === 410) {
    // RFC 9110 §15.5.11: the receiver says the endpoint is gone for good.
    await store.webhooks.recordAttempt(delivery, record, { status: 'failed' }, nowMs);
    await disable(webhook, 'gone', deps);
    return;
  }
  const scheduled = delivery.attempts.filter((a) => !a.replay).length + (options.replay ? 0 : 1);
  const nextWait = options.replay ? undefined : config.retryScheduleMs[scheduled];
  if (nextWait !== undefined) {
    // Jitter (±10%) spreads the retries of many deliveries that failed together; Retry-After can only lengthen
    // the wait (a receiver cannot pull retries forward).
    let waitMs = Math.round(nextWait * (0.9 + Math.random() * 0.2));
    if (outcome.retryAfterSeconds !== undefined) waitMs = Math.max(waitMs, outcome.retryAfterSeconds * 1000);
    const notBefore = nowMs + waitMs;
    const message: DispatchMessage = {
      kind: 'attempt',
      tenantId: delivery.tenantId,
      webhookId: delivery.webhookId,
      deliveryId: delivery.deliveryId,
      notBefore,
    };
    // Enqueued before it is recorded: a crash in between repeats this attempt (the message comes back), whereas
    // the other order could leave a pending delivery with no message to carry it on.
    await queue.send(message, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(waitMs / 1000)));
    await store.webhooks.recordAttempt(delivery, record, { status: 'pending', nextAttemptAt: notBefore }, nowMs);
  } else if (options.replay) {
    // A failed replay only adds its attempt: the delivery's state and any scheduled retry (which may have moved on
    // while this attempt ran) stay exactly as they are.
    await store.webhooks.recordAttempt(delivery, record, undefined, nowMs);
  } else {
    // Dead-lettered before it is recorded as failed: a failure in between repeats this step (the message comes
    // back), whereas the other order could leave a failed delivery that no dead-letter message ever reports.
    // Marked as a replay: redriving it from the dead-letter queue (after fixing the receiver) attempts it again.
    await queue.deadLetter(
      {
        kind: 'attempt',
        tenantId: delivery.tenantId,
        webhookId: delivery.webhookId,
        deliveryId: delivery.deliveryId,
        notBefore: nowMs,
        replay: true,
        onlyIfFailed: true,
      },
      `${record.errorClass ?? 'failed'} after ${record.attempt} attempts`,
    );
    await store.webhooks.recordAttempt(delivery, record, { status: 'failed' }, nowMs);
  }
  const failingSince = await store.webhooks.recordFailure(webhook, Math.floor(nowMs / 1000));
  if (failingSince !== undefined && failingSince <= Math.floor(nowMs / 1000) - FAILING_DISABLE_AFTER_SECONDS)
    await disable(webhook, 'failing', deps);
}

/** Disables the subscription and emits webhook.disabled in the same transaction (once: only while enabled). */
async function disable(webhook: Webhook, reason: 'gone' | 'failing', deps: DispatcherDeps): Promise<void> {
  const { store } = deps;
  const nowMs = store.clock.now();
  try {
    await commit(store.table, [
      store.webhooks.disablePart(webhook, reason, nowMs),
      ...store.events.emit(
        webhook.tenantId,
        { type: 'webhook.disabled', data: { webhook_id: webhook.webhookId, url: webhook.url, reason } },
        nowMs,
      ),
    ]);
    logger.warn('webhook subscription disabled', { tenantId: webhook.tenantId, webhookId: webhook.webhookId, reason });
  } catch (error) {
    if (!(error instanceof AlreadyDisabled)) throw error;
  }
}
