import { getConfig } from '../runtime-config.ts';
import type { MessageQueue } from './messages.ts';

let queue: Promise<MessageQueue> | undefined;

/**
 * The dispatcher's queue for the functions that enqueue (replays): SQS in AWS, loaded on first use so no other
 * bundle carries the SQS client; local mode installs its DynamoDB-backed queue with overrideWebhookQueue.
 */
export function getWebhookQueue(): Promise<MessageQueue> {
  queue ??= (async () => {
    const { region, webhooks } = getConfig();
    if (!webhooks.queueUrl || !webhooks.deadLetterQueueUrl)
      throw new Error('WEBHOOK_QUEUE_URL and WEBHOOK_DEAD_LETTER_QUEUE_URL must be set');
    const { SqsQueue } = await import('./sqs-queue.ts');
    return new SqsQueue(region, webhooks.queueUrl, webhooks.deadLetterQueueUrl);
  })().catch((error) => {
    queue = undefined;
    throw error;
  });
  return queue;
}

export function overrideWebhookQueue(replacement: MessageQueue): void {
  queue = Promise.resolve(replacement);
}
