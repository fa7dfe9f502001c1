import type { KeywayEvent } from '../events/catalog.ts';

/**
 * What the dispatcher's queue carries. In AWS an `event` arrives wrapped: the table stream's record of the outbox
 * item, forwarded by the pipe to the event bus and by its rule to the queue (see parseQueueBody). `attempt` messages
 * are the dispatcher's own: the next try of one delivery, due at `notBefore`.
 */
export type DispatchMessage =
  | { readonly kind: 'event'; readonly event: KeywayEvent }
  | {
      readonly kind: 'attempt';
      readonly tenantId: string;
      readonly webhookId: string;
      readonly deliveryId: string;
      /** Epoch milliseconds before which the attempt must not run (longer waits than one queue delay allows). */
      readonly notBefore: number;
      /** A replay asked for by an administrator: one attempt, whatever the delivery's state. */
      readonly replay?: boolean;
      /** Dead-lettered after the last attempt: redriven, it is attempted once more unless it succeeded meanwhile. */
      readonly onlyIfFailed?: boolean;
    };

/** The dispatcher's queue: SQS in AWS, a DynamoDB partition in local mode (store/local-queue.ts). */
export interface MessageQueue {
  /** At most 900 s of delay (SQS's limit); longer waits are chained by the dispatcher through `notBefore`. */
  send(message: DispatchMessage, delaySeconds: number): Promise<void>;
  /** A delivery whose last attempt failed: kept for an operator (AWS: the dead-letter queue, alarmed). */
  deadLetter(message: DispatchMessage, reason: string): Promise<void>;
}

/** SQS's longest DelaySeconds. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** The message that makes the dispatcher attempt `delivery` once more now, whatever its state (admin replays). */
export function replayMessage(
  delivery: { readonly tenantId: string; readonly webhookId: string; readonly deliveryId: string },
  nowMs: number,
): DispatchMessage {
  const { tenantId, webhookId, deliveryId } = delivery;
  return { kind: 'attempt', tenantId, webhookId, deliveryId, notBefore: nowMs, replay: true };
}
