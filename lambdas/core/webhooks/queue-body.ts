import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { eventOfItem } from '../store/events.ts';
import type { DispatchMessage } from './messages.ts';

/**
 * An SQS message body as the dispatcher receives it: either the dispatcher's own message (a retry, a replay), or an
 * EventBridge event whose `detail` is the table stream's record of a new outbox item (what the pipe forwards).
 * Anything else is undefined: not ours, dropped with a log line rather than retried forever.
 */
export function parseQueueBody(body: string): DispatchMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as {
    kind?: unknown;
    detail?: { eventName?: string; dynamodb?: { NewImage?: Record<string, AttributeValue> } };
  };
  if (record.kind === 'event' || record.kind === 'attempt') return parsed as DispatchMessage;
  const image = record.detail?.dynamodb?.NewImage;
  if (record.detail?.eventName !== 'INSERT' || !image) return undefined;
  const event = eventOfItem(unmarshall(image));
  return event ? { kind: 'event', event } : undefined;
}
