/** What bench/webhooks/webhook-bench.ts measures (the `webhooks` section of the results JSON). */

export interface WebhookThroughputResult {
  /** The local dispatcher's `queueConcurrency`. */
  readonly concurrency: number;
  readonly events: number;
  /** Commits in flight at once while the events are written. */
  readonly commitsInFlight: number;
  /** First commit started → last commit resolved. */
  readonly commitMs: number;
  /** First commit started → the receiver had all events. */
  readonly wallMs: number;
  readonly eventsPerSecond: number;
  /** CPU of the one process holding Keyway, its dispatcher, the committing loop and the receiver, per event. */
  readonly cpuMsPerEvent: number;
  /** DynamoDB Local's CPU per event (absent when its process was not found). */
  readonly dynamoCpuMsPerEvent?: number;
  readonly received: number;
  readonly uniqueWebhookIds: number;
  readonly deadLetters: number;
  readonly signaturesVerified: number;
}

export interface WebhookLatencyResult {
  readonly concurrency: number;
  readonly events: number;
  readonly intervalMs: number;
  /** How long the local poller sleeps when a receive found nothing (local/app.ts). */
  readonly pollIdleMs: number;
  readonly minMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The commit itself (TransactWriteItems to DynamoDB Local), for scale. */
  readonly commitP50Ms: number;
  readonly commitP99Ms: number;
  /** Ticks at which the previous commit had not resolved yet, so the pace slipped. */
  readonly lateTicks: number;
}

/** One DynamoDB call, recorded on its way through the code, with the capacity it costs. */
export interface MeasuredOp {
  /** DynamoDB API name (PutItem, UpdateItem, Query, TransactWriteItems, …). */
  readonly api: string;
  readonly what: string;
  /** DynamoDB item size of each item written or read (for an update: the larger of before and after). */
  readonly itemBytes: readonly number[];
  /** The same items' JSON length (document-client shape), for comparison. */
  readonly itemJsonBytes: readonly number[];
  readonly unit: 'WRU' | 'RRU';
  /** Capacity units of the table from the documented rules and `itemBytes`. */
  readonly computed: number;
  /**
   * Write units of GSI1 (sparse, projection ALL) for items that are in it, at the standard rate of 1 WRU per KB
   * (also inside a transaction: an assumption, see the report). Absent from results before it was counted.
   */
  readonly indexComputed?: number;
  /** `ConsumedCapacity` as DynamoDB Local reported it (ReturnConsumedCapacity=INDEXES): total, and GSI1's part. */
  readonly consumed?: number;
  readonly consumedIndex?: number;
  readonly consistentRead?: boolean;
}

export interface EventItemSize {
  readonly eventType: string;
  readonly dynamoBytes: number;
  readonly jsonBytes: number;
  /** 2 × ceil(size / 1 KB): the event's Put inside the transaction of its change. */
  readonly wruInTransaction: number;
}

export interface WebhookCostResult {
  readonly eventItems: readonly EventItemSize[];
  /** Local mode only: the queue message written in the same transaction (not in AWS). */
  readonly localQueueMessageBytes: number;
  /** A single-event emitting transaction (the outbox Put alone), as recorded. */
  readonly outboxOnly: MeasuredOp;
  /** The session write of a sign-in before the outbox: one PutItem of a (fresh) session item of the same size. */
  readonly signInBefore: MeasuredOp;
  /** …and now: `SessionRepository.createSession`'s transaction (session + user.signed_in), as recorded. */
  readonly signInAfter: MeasuredOp;
  /** Every DynamoDB call the dispatcher made for one event, one subscription, delivered on the first try. */
  readonly dispatcher: readonly MeasuredOp[];
}

export interface WebhookResults {
  readonly settings: {
    readonly events: number;
    readonly latencyEvents: number;
    readonly warmUpEvents: number;
    readonly retrySchedule: string;
  };
  readonly throughput: readonly WebhookThroughputResult[];
  readonly latency: WebhookLatencyResult;
  readonly cost: WebhookCostResult;
}

/**
 * DynamoDB on-demand prices, us-east-1, standard table class, since the November 2024 price cut (per million request
 * units). Change them here; the report states them next to every dollar figure.
 */
export const DYNAMODB_PRICING = {
  region: 'us-east-1',
  usdPerMillionWru: 0.625,
  usdPerMillionRru: 0.125,
} as const;

/** US dollars per million of an operation costing `units` request units each. */
export function usdPerMillion(units: number, unit: 'WRU' | 'RRU'): number {
  return units * (unit === 'WRU' ? DYNAMODB_PRICING.usdPerMillionWru : DYNAMODB_PRICING.usdPerMillionRru);
}

/** Table + index units of a recorded call. */
export function totalUnits(op: MeasuredOp): number {
  return op.computed + (op.indexComputed ?? 0);
}
