import { join } from 'node:path';
import { forkTs, waitForMessage } from '../lib/children.ts';
import { callsPerToken, type DynamoCallCounts } from '../lib/dynamo-calls.ts';
import { redeemCodes, tokenExchangeForm } from '../lib/keyway-fixtures.ts';
import { sleep } from '../lib/stats.ts';
import type { LoadPhase, LoadResult } from './autocannon-worker.ts';

export type Grant = LoadPhase['grant'];

/** The grants of machines and agents (issue "Machines and agents"): Keyway only. */
export type MachineGrant = 'client_credentials' | 'token_exchange';
export const MACHINE_GRANTS: readonly MachineGrant[] = ['client_credentials', 'token_exchange'];
export const isMachineGrant = (grant: Grant): grant is MachineGrant =>
  grant === 'client_credentials' || grant === 'token_exchange';

/**
 * The servers the bench measures: Keyway; node-oidc-provider with its storage in a Map (`peer`, the name results
 * have always used) and on DynamoDB Local (`peer-dynamodb`); Keyway with its application rate limiter off.
 */
export type TargetName = 'keyway' | 'peer' | 'peer-dynamodb' | 'keyway-unlimited';

/** A token endpoint under test, running in its own child process. */
export interface LoadTarget {
  readonly name: TargetName;
  readonly url: string;
  readonly tokenPath: string;
  readonly authorization: string;
  readonly redirectUri: string;
  /** CPU time (µs) of the server process, all threads. */
  cpuMicros(): Promise<number>;
  /** CPU time (µs) of a helper process the server depends on (DynamoDB Local): reported, never charged. */
  sideCpuMicros?(): number | undefined;
  /** DynamoDB calls the server has made so far (servers that store in DynamoDB). */
  dynamoCalls?(): Promise<DynamoCallCounts>;
  /** Fresh single-use codes with their PKCE verifiers. */
  mintCodes(count: number): Promise<{ code: string; verifier: string }[]>;
  /** The machine grants' clients and subject token (Keyway only; a target without them cannot run those phases). */
  readonly machine?: {
    /** The Authorization header of the client each machine grant authenticates (a service, an agent). */
    readonly authorization: Readonly<Record<MachineGrant, string>>;
    /** A fresh user access token to exchange: every request of a phase reuses it (an exchange does not consume it). */
    subjectToken(): Promise<string>;
  };
}

export interface PhaseResult extends LoadResult {
  readonly target: LoadTarget['name'];
  readonly grant: Grant;
  readonly connections: number;
  readonly cpuMs: number;
  /** Server CPU per successful token response. */
  readonly cpuMsPerToken: number;
  readonly sideCpuMsPerToken?: number;
  /**
   * DynamoDB calls (SDK commands sent) per request the server handled: its 200s and non-2xx answers, plus the one
   * request per connection still in flight when the load stopped (the count waits for them). By operation too.
   */
  readonly dynamoCallsPerToken?: number;
  readonly dynamoCallsByOperation?: Record<string, number>;
  /** HTTP requests to DynamoDB per request handled, retries included. */
  readonly dynamoAttemptsPerToken?: number;
  /** Items read by key per request handled (GetItem, BatchGetItem keys; absent in older results). */
  readonly dynamoKeysReadPerToken?: number;
  readonly poolSize: number;
  readonly prepareSeconds: number;
}

const WORKER = join(import.meta.dirname, 'autocannon-worker.ts');

/** First tokens of `count` refresh-token chains, each from a real code redemption. */
async function refreshTokens(target: LoadTarget, count: number): Promise<string[]> {
  const codes = await target.mintCodes(count);
  const bodies = await redeemCodes(`${target.url}${target.tokenPath}`, target.authorization, target.redirectUri, codes);
  return bodies.map((b) => b.refresh_token as string);
}

/**
 * One measured phase: prepare the pool (not measured), then autocannon in its own process for `durationSeconds`
 * at `connections` concurrent connections, with the server's CPU read just before and just after.
 */
export async function runPhase(
  target: LoadTarget,
  grant: Grant,
  connections: number,
  durationSeconds: number,
  /** For authorization_code: the expected rate, to size the code pool (codes live 60 s, so not too many). */
  expectedRate = 200,
  /** Around the load itself only (e.g. a CPU profile), not the pool preparation. */
  hooks: { beforeLoad?: () => Promise<void>; afterLoad?: () => Promise<void> } = {},
): Promise<PhaseResult> {
  const t0 = performance.now();
  let pool: string[] = [];
  let body: string | undefined;
  let authorization = target.authorization;
  if (isMachineGrant(grant)) {
    if (!target.machine) throw new Error(`${target.name} has no clients for ${grant}`);
    authorization = target.machine.authorization[grant];
    body =
      grant === 'client_credentials'
        ? 'grant_type=client_credentials'
        : new URLSearchParams(tokenExchangeForm(await target.machine.subjectToken())).toString();
  } else if (grant === 'refresh_token') {
    // One chain per connection, plus spares that replace a chain broken by an error.
    pool = await refreshTokens(target, connections + Math.max(8, connections));
  } else {
    const count = Math.min(12_000, Math.max(60, Math.ceil(expectedRate * durationSeconds * 1.4) + 2 * connections));
    pool = (await target.mintCodes(count)).map((c) => `${c.code} ${c.verifier}`);
  }
  const prepareSeconds = (performance.now() - t0) / 1000;

  const worker = forkTs(WORKER);
  await waitForMessage(worker, 'ready');
  const phase: LoadPhase = {
    url: target.url,
    path: target.tokenPath,
    authorization,
    grant,
    connections,
    durationSeconds,
    pool,
    ...(body !== undefined ? { body } : {}),
    redirectUri: target.redirectUri,
  };
  await hooks.beforeLoad?.();
  const calls0 = await target.dynamoCalls?.();
  const cpu0 = await target.cpuMicros();
  const side0 = target.sideCpuMicros?.();
  worker.send({ type: 'run', phase });
  const { result } = await waitForMessage<{ result: LoadResult }>(worker, 'result', (durationSeconds + 120) * 1000);
  const cpu1 = await target.cpuMicros();
  const side1 = target.sideCpuMicros?.();
  const calls1 = await settledCalls(target.dynamoCalls);
  await hooks.afterLoad?.();
  worker.kill('SIGTERM');

  const cpuMs = (cpu1 - cpu0) / 1000;
  const perToken = (ms: number) => (result.ok > 0 ? ms / result.ok : Number.NaN);
  return {
    ...result,
    target: target.name,
    grant,
    connections,
    cpuMs,
    cpuMsPerToken: perToken(cpuMs),
    ...(side0 !== undefined && side1 !== undefined ? { sideCpuMsPerToken: perToken((side1 - side0) / 1000) } : {}),
    // autocannon stops with one request in flight per connection: the server still handles those (and makes their
    // calls, which settledCalls waits for), so they count as requests here.
    ...(calls0 && calls1 ? dynamoFields(calls0, calls1, result.ok + result.non2xx + connections) : {}),
    poolSize: pool.length,
    prepareSeconds,
  };
}

/** The server's call count once the requests still in flight when the load stopped have finished (at most 2 s). */
export async function settledCalls(
  read: (() => Promise<DynamoCallCounts>) | undefined,
): Promise<DynamoCallCounts | undefined> {
  if (!read) return undefined;
  const total = (c: DynamoCallCounts) => Object.values(c.calls).reduce((sum, n) => sum + n, 0);
  let last = await read();
  for (let waited = 0; waited < 2000; waited += 200) {
    await sleep(200);
    const now = await read();
    if (total(now) === total(last)) return now;
    last = now;
  }
  return last;
}

function dynamoFields(before: DynamoCallCounts, after: DynamoCallCounts, requests: number) {
  const { perToken, byOperation, attemptsPerToken, keysReadPerToken } = callsPerToken(before, after, requests);
  return {
    dynamoCallsPerToken: perToken,
    dynamoCallsByOperation: byOperation,
    dynamoAttemptsPerToken: attemptsPerToken,
    ...(keysReadPerToken !== undefined ? { dynamoKeysReadPerToken: keysReadPerToken } : {}),
  };
}
