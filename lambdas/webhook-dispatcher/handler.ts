import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { getConfig, getStore } from '../core/deps.ts';
import { logger } from '../core/logger.ts';
import { handleMessage } from '../core/webhooks/dispatcher.ts';
import { getWebhookQueue } from '../core/webhooks/queue.ts';
import { parseQueueBody } from '../core/webhooks/queue-body.ts';

/**
 * The webhook dispatcher: SQS → one delivery attempt per (event, matching subscription), or the next attempt of one
 * delivery. Messages of a batch run concurrently; the ones that failed are reported back (partial batch response)
 * so only they are received again, and after the queue's maxReceiveCount they move to the dead-letter queue.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = { store: getStore(), queue: await getWebhookQueue(), config: getConfig().webhooks };
  const results = await Promise.allSettled(
    event.Records.map(async (record) => {
      const message = parseQueueBody(record.body);
      if (!message) {
        logger.warn('webhook dispatcher: dropped a message that is not a Keyway dispatch message', {
          messageId: record.messageId,
        });
        return;
      }
      await handleMessage(message, deps);
    }),
  );
  const batchItemFailures = results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    logger.error('webhook dispatcher: message failed; it will be received again', {
      messageId: event.Records[i]!.messageId,
      error: r.reason as Error,
    });
    return [{ itemIdentifier: event.Records[i]!.messageId }];
  });
  return { batchItemFailures };
}
