/**
 * Bench child: the local webhook dispatcher (local/webhook-queue.ts + lambdas/core/webhooks/dispatcher.ts) delivering
 * to a loopback receiver, and what the outbox and the dispatcher cost in DynamoDB request units.
 *
 *   1. throughput: `startKeyway` per queue concurrency (1, 16) on its own fresh table; N outbox events committed
 *      straight through the store (10 in flight), timed from the first commit to the receiver having all N;
 *   2. latency: at concurrency 16, one commit every `intervalMs`; receipt − commit resolved, per event id;
 *   3. cost: the sign-in transaction and the dispatcher's first try of one event, through the real code, with every
 *      DynamoDB call recorded (item sizes, and DynamoDB Local's ConsumedCapacity).
 *
 * Keyway, its dispatcher, the committing loop and the receiver share this one process (as in `npm start`);
 * DynamoDB Local is the bench's. argv: events latencyEvents warmUpEvents. Environment: DYNAMODB_ENDPOINT,
 * BENCH_JVM_PID (optional, DynamoDB Local's pid for its CPU).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { systemClock } from '../../lambdas/core/clock.ts';
import { randomToken, sha256 } from '../../lambdas/core/crypto.ts';
import type { EventInput, KeywayEvent } from '../../lambdas/core/events/catalog.ts';
import { PASSKEY_AMR } from '../../lambdas/core/oidc/sign-in.ts';
import { newEventId } from '../../lambdas/core/store/events.ts';
import { Store } from '../../lambdas/core/store/store.ts';
import { createDocumentClient, type Item, Table } from '../../lambdas/core/store/table.ts';
import { commit } from '../../lambdas/core/store/transaction.ts';
import { userJson } from '../../lambdas/core/views.ts';
import { handleMessage } from '../../lambdas/core/webhooks/dispatcher.ts';
import type { MessageQueue } from '../../lambdas/core/webhooks/messages.ts';
import { type LocalKeyway, startKeyway } from '../../local/app.ts';
import { exitWithParent } from '../lib/children.ts';
import { procCpuMicros } from '../lib/proc.ts';
import { pool, sleep } from '../lib/stats.ts';
import { dynamoItemBytes, jsonBytes, readUnits, writeUnits } from './item-size.ts';
import { LoopbackReceiver, type Receipt } from './receiver.ts';
import type {
  EventItemSize,
  MeasuredOp,
  WebhookCostResult,
  WebhookLatencyResult,
  WebhookResults,
  WebhookThroughputResult,
} from './results.ts';

const EVENTS = Number(process.argv[2] ?? 300);
const LATENCY_EVENTS = Number(process.argv[3] ?? 200);
const WARM_UP = Number(process.argv[4] ?? 50);
const CONCURRENCIES = [1, 16] as const;
const COMMITS_IN_FLIGHT = 10;
/**
 * The latency phase's pace: one commit every 20 ms, or slower when the dispatcher's measured throughput at this
 * concurrency is below twice that rate, so it never runs above half its capacity (a backlog would measure queueing).
 */
const MIN_INTERVAL_MS = 20;
/** local/app.ts starts the poller with `idleMs: 50`. */
const POLL_IDLE_MS = 50;
const RETRY_SCHEDULE = '0s';
/** After the last expected delivery: long enough for a duplicate to show up, if there were one. */
const SETTLE_MS = 300;
const ENDPOINT = process.env.DYNAMODB_ENDPOINT!;
const JVM_PID = process.env.BENCH_JVM_PID ? Number(process.env.BENCH_JVM_PID) : undefined;
const ADMIN_KEY = `kw_admin_bench_${randomBytes(12).toString('hex')}`;

const progress = (line: string) => process.send?.({ type: 'progress', line });

let keyway: LocalKeyway | undefined;
let receiver: LoopbackReceiver | undefined;
const sdkClients: { destroy(): void }[] = [];
async function stopAll(): Promise<void> {
  await keyway?.stop().catch(() => undefined);
  keyway = undefined;
  await receiver?.stop().catch(() => undefined);
  receiver = undefined;
  for (const client of sdkClients.splice(0)) client.destroy();
}
exitWithParent(stopAll);

async function admin(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

interface Subscribed {
  readonly keyway: LocalKeyway;
  readonly tenantId: string;
  readonly webhookId: string;
  readonly secret: string;
}

async function startSubscribed(concurrency: number): Promise<Subscribed> {
  const started = await startKeyway({
    host: '127.0.0.1',
    port: 0,
    dataDir: ':memory:',
    dynamodbEndpoint: ENDPOINT,
    tableName: `keyway-bench-webhooks-c${concurrency}-${randomBytes(3).toString('hex')}`,
    adminKey: ADMIN_KEY,
    queueConcurrency: concurrency,
    webhookRetrySchedule: RETRY_SCHEDULE,
  });
  keyway = started;
  const tenantId = `bench-${randomBytes(4).toString('hex')}`;
  await admin(started.url, '/admin/tenants', { name: 'Bench Corp', plan: 'enterprise', id: tenantId });
  const hook = await admin(started.url, `/admin/tenants/${tenantId}/webhooks`, {
    url: receiver!.url,
    events: ['*'],
  });
  return { keyway: started, tenantId, webhookId: hook.id as string, secret: hook.secret as string };
}

/** A realistic `user.updated` (the admin API's user JSON), for a fresh user id each time. */
function userUpdated(tenantId: string): EventInput {
  const now = Math.floor(Date.now() / 1000);
  const userId = randomUUID();
  return {
    type: 'user.updated',
    data: userJson({
      tenantId,
      userId,
      email: `ada.${userId.slice(0, 8)}@example.com`,
      emailVerified: true,
      givenName: 'Ada',
      familyName: 'Lovelace',
      roles: ['user'],
      createdAt: now - 86_400,
    }),
  };
}

/** One emitting transaction holding nothing but the event (its outbox item, and locally its queue message). */
async function commitEvent(s: Subscribed): Promise<string> {
  const nowMs = Date.now();
  const id = newEventId(nowMs);
  await commit(s.keyway.store.table, s.keyway.store.events.emit(s.tenantId, { id, ...userUpdated(s.tenantId) }, nowMs));
  return id;
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Every delivery distinct, all there, nothing dead-lettered, and the signatures real (on a sample). */
async function check(s: Subscribed, receipts: readonly Receipt[], expected: readonly string[], what: string) {
  const ids = new Set(receipts.map((r) => r.webhookId));
  const missing = expected.filter((id) => !ids.has(id));
  const deadLetters = (await s.keyway.webhookQueue.deadLetters()).length;
  const problems = [
    receipts.length !== expected.length ? `${receipts.length} deliveries for ${expected.length} events` : '',
    ids.size !== receipts.length ? `${receipts.length - ids.size} duplicate webhook-id(s)` : '',
    missing.length > 0 ? `${missing.length} event(s) never delivered (first ${missing[0]})` : '',
    deadLetters > 0 ? `${deadLetters} dead letter(s)` : '',
  ].filter(Boolean);
  const verifier = new Webhook(s.secret);
  const sample = receipts.filter((_, i) => i % Math.max(1, Math.floor(receipts.length / 10)) === 0);
  for (const r of sample) {
    try {
      verifier.verify(r.body, {
        'webhook-id': r.webhookId,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      });
    } catch (error) {
      problems.push(`signature of ${r.webhookId} did not verify: ${(error as Error).message}`);
      break;
    }
    if ((JSON.parse(r.body) as KeywayEvent).id !== r.webhookId) problems.push(`body id ≠ webhook-id ${r.webhookId}`);
  }
  if (problems.length > 0) throw new Error(`webhooks ${what}: ${problems.join('; ')}`);
  return { uniqueWebhookIds: ids.size, deadLetters, signaturesVerified: sample.length };
}

async function warmUp(s: Subscribed): Promise<void> {
  receiver!.reset();
  await pool(WARM_UP, COMMITS_IN_FLIGHT, () => commitEvent(s));
  await receiver!.waitFor(WARM_UP, 60_000);
  await sleep(SETTLE_MS);
  receiver!.reset();
}

async function throughput(s: Subscribed, concurrency: number): Promise<WebhookThroughputResult> {
  await warmUp(s);
  const jvm0 = JVM_PID !== undefined ? procCpuMicros(JVM_PID) : undefined;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const ids = await pool(EVENTS, COMMITS_IN_FLIGHT, () => commitEvent(s));
  const commitMs = performance.now() - t0;
  await receiver!.waitFor(EVENTS, 120_000);
  const lastMs = Math.max(...receiver!.receipts.slice(0, EVENTS).map((r) => r.atMs));
  const cpu = cpuMicros() - cpu0;
  const jvm1 = JVM_PID !== undefined ? procCpuMicros(JVM_PID) : undefined;
  await sleep(SETTLE_MS);
  const receipts = [...receiver!.receipts];
  const checked = await check(s, receipts, ids, `throughput at concurrency ${concurrency}`);
  const wallMs = lastMs - t0;
  return {
    concurrency,
    events: EVENTS,
    commitsInFlight: COMMITS_IN_FLIGHT,
    commitMs,
    wallMs,
    eventsPerSecond: (EVENTS * 1000) / wallMs,
    cpuMsPerEvent: cpu / 1000 / EVENTS,
    ...(jvm0 !== undefined && jvm1 !== undefined ? { dynamoCpuMsPerEvent: (jvm1 - jvm0) / 1000 / EVENTS } : {}),
    received: receipts.length,
    ...checked,
  };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function latency(s: Subscribed, concurrency: number, eventsPerSecond: number): Promise<WebhookLatencyResult> {
  const intervalMs = Math.max(MIN_INTERVAL_MS, Math.ceil(2000 / eventsPerSecond));
  receiver!.reset();
  const committedAt = new Map<string, number>();
  const commitDurations: number[] = [];
  let lateTicks = 0;
  const t0 = performance.now();
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    const wait = t0 + i * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -1) lateTicks++;
    const startMs = performance.now();
    const id = await commitEvent(s);
    const doneMs = performance.now();
    committedAt.set(id, doneMs);
    commitDurations.push(doneMs - startMs);
  }
  await receiver!.waitFor(LATENCY_EVENTS, 60_000);
  await sleep(SETTLE_MS);
  const receipts = [...receiver!.receipts];
  await check(s, receipts, [...committedAt.keys()], 'latency');
  const latencies = receipts.map((r) => r.atMs - committedAt.get(r.webhookId)!).sort((a, b) => a - b);
  const commits = commitDurations.sort((a, b) => a - b);
  return {
    concurrency,
    events: LATENCY_EVENTS,
    intervalMs,
    pollIdleMs: POLL_IDLE_MS,
    minMs: latencies[0]!,
    p50Ms: percentile(latencies, 0.5),
    p90Ms: percentile(latencies, 0.9),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1)!,
    commitP50Ms: percentile(commits, 0.5),
    commitP99Ms: percentile(commits, 0.99),
    lateTicks,
  };
}

// ---- cost: every DynamoDB call of the real code paths, recorded ----

interface Recorded {
  readonly api: string;
  readonly input: Record<string, unknown>;
  readonly output: Record<string, unknown>;
  /** DynamoDB Local's ConsumedCapacity: the total, and the part it charged to global secondary indexes. */
  readonly consumed?: number;
  readonly consumedIndex?: number;
  /** Update/Delete: the item before and after the call (read aside, not recorded). */
  readonly before?: Item;
  readonly after?: Item;
}

const API_OF: Record<string, string> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  BatchGetCommand: 'BatchGetItem',
  TransactWriteCommand: 'TransactWriteItems',
};

interface Capacity {
  CapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/** A document client that forwards every command with ReturnConsumedCapacity=INDEXES and keeps what it did. */
function recordingClient(real: DynamoDBDocumentClient, tableName: string) {
  const calls: Recorded[] = [];
  const read = async (key: unknown) =>
    (await real.send(new GetCommand({ TableName: tableName, Key: key as Item, ConsistentRead: true }))).Item;
  const doc = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const api = API_OF[command.constructor.name] ?? command.constructor.name;
      command.input.ReturnConsumedCapacity = 'INDEXES';
      const aside = api === 'UpdateItem' || api === 'DeleteItem';
      const before = aside ? await read(command.input.Key) : undefined;
      const output = (await real.send(command as never)) as Record<string, unknown>;
      const after = aside ? await read(command.input.Key) : undefined;
      const cc = output.ConsumedCapacity as Capacity | Capacity[] | undefined;
      const all = cc === undefined ? [] : Array.isArray(cc) ? cc : [cc];
      const consumed = all.length > 0 ? all.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) : undefined;
      const consumedIndex = all.reduce(
        (sum, c) =>
          sum + Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((s2, i) => s2 + (i.CapacityUnits ?? 0), 0),
        0,
      );
      calls.push({
        api,
        input: command.input,
        output,
        ...(consumed !== undefined ? { consumed, consumedIndex } : {}),
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
      });
      return output;
    },
  };
  return { doc: doc as unknown as DynamoDBDocumentClient, take: () => calls.splice(0) };
}

/** GSI1 is sparse (projection ALL): an item is in it when it has both of its key attributes. */
const inIndex = (item: Item | undefined) => typeof item?.gsi1pk === 'string' && typeof item?.gsi1sk === 'string';

/**
 * The recorded call as a cost row: its items' sizes and the units the documented rules give for them. A write of
 * an item in GSI1 also writes the index: counted at the standard rate (1 WRU per KB), also inside a transaction.
 */
function measured(call: Recorded, what: string): MeasuredOp {
  const sized = (items: readonly Item[]) => ({
    itemBytes: items.map((i) => dynamoItemBytes(i)),
    itemJsonBytes: items.map((i) => jsonBytes(i)),
  });
  const base = {
    api: call.api,
    what,
    ...(call.consumed !== undefined ? { consumed: call.consumed, consumedIndex: call.consumedIndex ?? 0 } : {}),
  };
  const indexUnits = (items: readonly (Item | undefined)[], bytes: readonly number[]) =>
    items.reduce((sum, item, i) => sum + (inIndex(item) ? writeUnits(bytes[i]!) : 0), 0);
  switch (call.api) {
    case 'PutItem': {
      const item = call.input.Item as Item;
      const s = sized([item]);
      return {
        ...base,
        ...s,
        unit: 'WRU',
        computed: writeUnits(s.itemBytes[0]!),
        indexComputed: indexUnits([item], s.itemBytes),
      };
    }
    case 'UpdateItem':
    case 'DeleteItem': {
      const items = [call.before, call.after].filter((i): i is Item => i !== undefined);
      const larger = items.sort((a, b) => dynamoItemBytes(b) - dynamoItemBytes(a)).slice(0, 1);
      const s = sized(larger);
      return {
        ...base,
        ...s,
        unit: 'WRU',
        computed: writeUnits(s.itemBytes[0] ?? 0),
        indexComputed: items.some(inIndex) ? writeUnits(s.itemBytes[0] ?? 0) : 0,
      };
    }
    case 'TransactWriteItems': {
      const writes = call.input.TransactItems as { Put?: { Item: Item } }[];
      if (writes.some((w) => !w.Put)) throw new Error(`${what}: only Puts are costed here`);
      const items = writes.map((w) => w.Put!.Item);
      const s = sized(items);
      return {
        ...base,
        ...s,
        unit: 'WRU',
        computed: s.itemBytes.reduce((sum, b) => sum + writeUnits(b, true), 0),
        indexComputed: indexUnits(items, s.itemBytes),
      };
    }
    case 'Query':
    case 'GetItem': {
      const items = call.api === 'Query' ? ((call.output.Items ?? []) as Item[]) : [call.output.Item as Item];
      const s = sized(items.filter(Boolean));
      const consistent = call.input.ConsistentRead === true;
      const bytes = s.itemBytes.reduce((sum, b) => sum + b, 0);
      return { ...base, ...s, unit: 'RRU', computed: readUnits(bytes, consistent), consistentRead: consistent };
    }
    default:
      throw new Error(`${what}: no cost rule for ${call.api}`);
  }
}

const WHAT: Record<string, string> = {
  Query: 'subscriptions of the tenant (fan-out)',
  PutItem: 'delivery created',
  UpdateItem: 'attempt recorded (delivered)',
  GetItem: 'read',
};

async function cost(s: Subscribed): Promise<WebhookCostResult> {
  const tableName = s.keyway.store.table.name;
  const real = createDocumentClient({ region: 'us-west-2', endpoint: ENDPOINT });
  sdkClients.push(real.client);
  const recorder = recordingClient(real.doc, tableName);
  // The AWS shape of the outbox: relay 'stream' writes the event item only (no local queue message), so nothing of
  // this reaches the local poller; the dispatcher is then called directly, as its Lambda would be.
  const store = new Store(new Table(recorder.doc, tableName, systemClock), { relay: 'stream' });
  // A real client for the sign-in's client_id; its client.created goes through the local queue like any event.
  receiver!.reset();
  const client = await admin(s.keyway.url, `/admin/tenants/${s.tenantId}/clients`, {
    redirect_uris: ['https://app.example.com/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    client_name: 'Bench app',
  });
  await receiver!.waitFor(1, 10_000);
  await sleep(SETTLE_MS);
  recorder.take();

  // Sign-in: the session and its user.signed_in event in one transaction (what completeSignIn calls).
  await store.sessions.createSession(
    { tenantId: s.tenantId, userId: randomUUID(), authTime: Math.floor(Date.now() / 1000), amr: [...PASSKEY_AMR] },
    86_400,
    { clientId: client.client_id as string },
  );
  const signIn = recorder.take();
  if (signIn.length !== 1 || signIn[0]!.api !== 'TransactWriteItems')
    throw new Error(`a sign-in's session write made ${signIn.map((c) => c.api).join(', ')}`);
  const signInAfter = measured(signIn[0]!, 'session + user.signed_in, one transaction');
  const [sessionPut, signedInPut] = (signIn[0]!.input.TransactItems as { Put: { Item: Item } }[]).map((w) => w.Put);
  if (signInAfter.itemBytes.length !== 2 || sessionPut?.Item.type !== 'session' || signedInPut?.Item.type !== 'event')
    throw new Error('a sign-in transaction is expected to hold the session and its event');
  // Before the outbox: a session item of the same size, alone (a fresh one: a new session is a new item, in GSI1).
  const hash = sessionPut.Item.id as string;
  const freshHash = sha256(randomToken());
  if (freshHash.length !== hash.length) throw new Error('the session id is expected to be a SHA-256 (crypto.ts)');
  const freshSession = JSON.parse(JSON.stringify(sessionPut.Item).replaceAll(hash, freshHash)) as Item;
  await recorder.doc.send(new PutCommand({ TableName: tableName, Item: freshSession }));
  const signInBefore = measured(recorder.take()[0]!, 'session alone, one PutItem');

  // An emitting change with nothing else in it: the outbox Put's own cost.
  const input = userUpdated(s.tenantId);
  const parts = store.events.emit(s.tenantId, input, Date.now());
  await commit(store.table, parts);
  const outboxOnly = measured(recorder.take()[0]!, 'user.updated event alone, one transaction');
  const updatedItem = parts[0]!.write.Put!.Item as Item;
  const localParts = s.keyway.store.events.emit(s.tenantId, input, Date.now());
  const queueMessage = localParts[1]?.write.Put?.Item as Item | undefined;
  if (queueMessage?.type !== 'queue_message') throw new Error('local mode: no queue message part');

  const eventItems: EventItemSize[] = [
    { eventType: 'user.signed_in', item: signedInPut.Item },
    { eventType: 'user.updated', item: updatedItem },
  ].map(({ eventType, item }) => ({
    eventType,
    dynamoBytes: dynamoItemBytes(item),
    jsonBytes: jsonBytes(item),
    wruInTransaction: writeUnits(dynamoItemBytes(item), true),
  }));

  // The dispatcher's first try of that event, delivered (the receiver answers 204).
  receiver!.reset();
  const refuse: MessageQueue = {
    send: () => Promise.reject(new Error('a first try that succeeds sends nothing')),
    deadLetter: () => Promise.reject(new Error('a first try that succeeds dead-letters nothing')),
  };
  const event = updatedItem.event as KeywayEvent;
  await handleMessage(
    { kind: 'event', event },
    { store, queue: refuse, config: { retryScheduleMs: [0], urlPolicy: 'local' } },
  );
  await receiver!.waitFor(1, 10_000);
  await sleep(SETTLE_MS);
  if (receiver!.receipts.length !== 1 || receiver!.receipts[0]!.webhookId !== event.id)
    throw new Error(`the dispatcher's first try: ${receiver!.receipts.length} deliveries, expected 1 of ${event.id}`);
  const dispatcher = recorder.take().map((call) => measured(call, WHAT[call.api] ?? call.api));

  // Check against the code: what DynamoDB Local charged is what the rules give for these sizes.
  for (const op of [signInBefore, signInAfter, outboxOnly, ...dispatcher])
    if (op.consumed !== undefined && op.consumed !== op.computed + (op.indexComputed ?? 0))
      progress(
        `note: ${op.api} (${op.what}): computed ${op.computed} ${op.unit} + ${op.indexComputed ?? 0} for GSI1, ` +
          `DynamoDB Local said ${op.consumed} (${op.consumedIndex ?? 0} of it GSI1)`,
      );
  return {
    eventItems,
    localQueueMessageBytes: dynamoItemBytes(queueMessage),
    outboxOnly,
    signInBefore,
    signInAfter,
    dispatcher,
  };
}

async function main(): Promise<WebhookResults> {
  receiver = await LoopbackReceiver.start();
  const throughputs: WebhookThroughputResult[] = [];
  let latencyResult: WebhookLatencyResult | undefined;
  let costResult: WebhookCostResult | undefined;
  for (const concurrency of CONCURRENCIES) {
    const s = await startSubscribed(concurrency);
    const r = await throughput(s, concurrency);
    throughputs.push(r);
    progress(
      `concurrency ${String(concurrency).padStart(2)}: ${r.events} events in ${r.wallMs.toFixed(0)} ms = ${r.eventsPerSecond.toFixed(0)} events/s ` +
        `(commits took ${r.commitMs.toFixed(0)} ms; ${r.cpuMsPerEvent.toFixed(2)} ms CPU/event here, ${r.dynamoCpuMsPerEvent?.toFixed(2) ?? '?'} in DynamoDB Local)`,
    );
    if (concurrency === 16) {
      latencyResult = await latency(s, concurrency, r.eventsPerSecond);
      progress(
        `latency commit → receipt, one commit every ${latencyResult.intervalMs} ms: p50 ${latencyResult.p50Ms.toFixed(1)} ms, ` +
          `p99 ${latencyResult.p99Ms.toFixed(1)} ms, max ${latencyResult.maxMs.toFixed(1)} ms`,
      );
      costResult = await cost(s);
      const e = costResult.eventItems;
      progress(
        `outbox: ${e.map((x) => `${x.eventType} item ${x.dynamoBytes} B (JSON ${x.jsonBytes} B) = ${x.wruInTransaction} WRU in a transaction`).join('; ')}; ` +
          `dispatcher first try: ${costResult.dispatcher.map((o) => `${o.api} ${o.computed} ${o.unit}`).join(', ')}`,
      );
    }
    await keyway?.stop();
    keyway = undefined;
  }
  return {
    settings: { events: EVENTS, latencyEvents: LATENCY_EVENTS, warmUpEvents: WARM_UP, retrySchedule: RETRY_SCHEDULE },
    throughput: throughputs,
    latency: latencyResult!,
    cost: costResult!,
  };
}

try {
  const result = await main();
  await stopAll();
  process.send?.({ type: 'result', result }, () => process.exit(0));
} catch (error) {
  await stopAll();
  process.send?.({ type: 'fatal', error: (error as Error).stack ?? String(error) }, () => process.exit(1));
}
