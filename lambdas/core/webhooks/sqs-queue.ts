import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DispatchMessage, MAX_QUEUE_DELAY_SECONDS, type MessageQueue } from './messages.ts';

/** The dispatcher's queue in AWS: retries go back onto the queue the outbox feeds, failures to its dead-letter queue. */
export class SqsQueue implements MessageQueue {
  private readonly sqs: SQSClient;

  constructor(
    region: string,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {
    this.sqs = new SQSClient({ region });
  }

  async send(message: DispatchMessage, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.round(delaySeconds))),
      }),
    );
  }

  async deadLetter(message: DispatchMessage, reason: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: JSON.stringify({ ...message, reason }),
      }),
    );
  }
}
