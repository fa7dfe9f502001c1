/**
 * `npm run bench` — Keyway's token endpoint under load next to node-oidc-provider (on DynamoDB, like for like, and
 * with its storage in a Map, its upper bound) and Keyway with its rate limiter off, Keyway's machine grants
 * (client_credentials, token exchange) and what delegation chain checks add to introspection and userinfo, the RSA floor, the cold-start
 * proxy of every Lambda bundle, the local cost of the two KMS signing modes, and the local webhook dispatcher
 * (throughput, commit → receipt latency, and the outbox's DynamoDB write cost), in one run. Writes
 * bench/results/<stamp>.{md,json} (and latest.*); `--publish` also writes bench/RESULTS.md.
 *
 *   npm run bench                    # everything (~6–9 min on 2 cores)
 *   npm run bench -- --quick         # shorter phases and fewer cold-start runs, for trying changes
 *   npm run bench -- --only=cold     # a subset: floor, signing, load, cold, webhooks (comma-separated);
 *                                    # `machines` = only the machine grants of `load` (with `floor` for their ratio)
 *   npm run bench -- --render=bench/results/latest.json [--publish]   # rebuild the markdown only
 *
 * Exits non-zero when a cold-start budget fails or the bench itself fails (including a webhook sanity check: every
 * event delivered exactly once). The traffic targets against the DynamoDB-backed peer are reported, not enforced. Every process it starts (DynamoDB Local, the servers, autocannon workers,
 * measurement children) is stopped on exit, error or Ctrl-C.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../lambdas/core/clock.ts';
import { ensureTable } from '../lambdas/core/store/schema.ts';
import { Store } from '../lambdas/core/store/store.ts';
import { createDocumentClient, Table } from '../lambdas/core/store/table.ts';
import { routes } from '../lambdas/routes.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { measureColdStarts } from './coldstart/cold-start.ts';
import { buildColdStartEvents } from './coldstart/events.ts';
import {
  cleanupAll,
  forkTs,
  installSignalHandlers,
  ipcRequest,
  onCleanup,
  trackPid,
  untrackPid,
  waitForMessage,
  wasInterrupted,
} from './lib/children.ts';
import type { DynamoCallCounts } from './lib/dynamo-calls.ts';
import {
  type KeywayFixture,
  type MachineFixture,
  mintKeywayCodes,
  REDIRECT_URI,
  redeemCodes,
  seedKeyway,
  seedMachineClients,
  tokenCall,
  userAccessToken,
} from './lib/keyway-fixtures.ts';
import { describeMachine } from './lib/machine.ts';
import { findChildPid, procCpuMicros } from './lib/proc.ts';
import { summarizeProfile } from './lib/profile.ts';
import { machineSanity, measureChainChecks } from './load/machines.ts';
import type { LoadTarget, PhaseResult } from './load/token-load.ts';
import { MACHINE_GRANTS, runPhase } from './load/token-load.ts';
import {
  type BenchResults,
  type ColdStartResults,
  type DynamoCallResult,
  evaluateBudgets,
  type FloorResult,
  type MachineResults,
  type ProfileResult,
  renderMarkdown,
  type SanityCheck,
  type SigningResult,
} from './report.ts';
import { PEER_CLIENT, PEER_REDIRECT_URI } from './servers/peer-server-config.ts';
import type { WebhookResults } from './webhooks/results.ts';

const HERE = import.meta.dirname;
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    publish: { type: 'boolean', default: false },
    only: { type: 'string' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    /** Re-render a report from a results JSON (e.g. after changing the report), without measuring anything. */
    render: { type: 'string' },
  },
});
const SECTIONS = new Set((opts.only ?? 'floor,signing,load,cold,webhooks').split(',').map((s) => s.trim()));
/** The machine grants are part of the load section; `--only=machines` runs them without the rest of it. */
const MACHINES = SECTIONS.has('load') || SECTIONS.has('machines');
const PHASE_SECONDS = Number(opts.seconds ?? (opts.quick ? 3 : 6));
const COLD_RUNS = Number(opts.runs ?? (opts.quick ? 3 : 10));
const CONCURRENCIES = [1, 8, 32] as const;
const ADMIN_KEY = `kw_admin_bench_${randomBytes(12).toString('hex')}`;
/** The limiter on vs off comparison: refresh at the targets' concurrency. */
const LIMITER_CONNECTIONS = 32;
/** Sequential introspection and userinfo requests per token kind for the chain-check count. */
const CHAIN_REQUESTS = opts.quick ? 100 : 200;
/** How bench/servers/keyway-server.ts (BENCH_RATE_LIMITS=bench) keeps the limiter on without refusing the load. */
const BENCH_PLANS =
  "The limiter-on Keyway (the one in every other table too) runs with cdk.json's plans, every limit raised to 500 requests per second (`SHARD_RATE`, what one counter shard takes; per-source limits pro rata to their window): " +
  "the same policies, so the same counter updates per request as in production, with one shard each (as the enterprise plan's tenant-wide limit has), and nothing the bench sends on this machine refused.";
const LOG_LEVEL = 'INFO';

const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

async function floor(): Promise<FloorResult> {
  const child = forkTs(join(HERE, 'floor', 'rsa-floor.ts'), { args: [opts.quick ? '1' : '3'] });
  return (await waitForMessage<{ result: FloorResult }>(child, 'result')).result;
}

async function signing(): Promise<SigningResult> {
  const child = forkTs(join(HERE, 'signing', 'signing-modes.ts'), {
    args: opts.quick ? ['300', '300'] : ['2000', '1000'],
  });
  return (await waitForMessage<{ result: SigningResult }>(child, 'result')).result;
}

/**
 * The local webhook dispatcher, in a child of its own (startKeyway sets process-wide dependencies): Keyway at queue
 * concurrency 1 and 16 on fresh tables of the bench's DynamoDB Local, a loopback receiver, the outbox's cost.
 */
async function webhooks(endpoint: string, jvmPid: number | undefined): Promise<WebhookResults> {
  const child = forkTs(join(HERE, 'webhooks', 'webhook-bench.ts'), {
    args: opts.quick ? ['100', '60', '30'] : ['300', '200', '50'],
    env: {
      DYNAMODB_ENDPOINT: endpoint,
      BENCH_JVM_PID: jvmPid === undefined ? '' : String(jvmPid),
      LOG_LEVEL,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  child.on('message', (m: { type?: string; line?: string }) => {
    if (m.type === 'progress') log(`webhooks: ${m.line}`);
  });
  return (await waitForMessage<{ result: WebhookResults }>(child, 'result', 180_000)).result;
}

/** One token response per grant from a target, to check what the servers return is comparable. */
async function sanity(target: LoadTarget): Promise<SanityCheck> {
  const tokenUrl = `${target.url}${target.tokenPath}`;
  const [code] = await target.mintCodes(1);
  const [issued] = await redeemCodes(tokenUrl, target.authorization, target.redirectUri, [code!]);
  const refreshed = await tokenCall(tokenUrl, target.authorization, {
    grant_type: 'refresh_token',
    refresh_token: issued!.refresh_token as string,
  });
  if (refreshed.status !== 200) throw new Error(`${target.name}: refresh failed ${JSON.stringify(refreshed.body)}`);
  const jwts = (body: Record<string, unknown>) =>
    ['access_token', 'id_token'].filter(
      (k) => typeof body[k] === 'string' && (body[k] as string).split('.').length === 3,
    ).length;
  return {
    target: target.name,
    codeResponseKeys: Object.keys(issued!).sort(),
    refreshResponseKeys: Object.keys(refreshed.body).sort(),
    signaturesPerCodeResponse: jwts(issued!),
    signaturesPerRefreshResponse: jwts(refreshed.body),
    refreshRotated: refreshed.body.refresh_token !== issued!.refresh_token,
    responseBytes: JSON.stringify(refreshed.body).length,
  };
}

async function loadPhases(targets: readonly LoadTarget[]): Promise<PhaseResult[]> {
  log('warm-up (not recorded): 3 s refresh + 3 s code at 8 connections per server');
  for (const target of targets) {
    await runPhase(target, 'refresh_token', 8, 3);
    await runPhase(target, 'authorization_code', 8, 3, 300);
  }
  const results: PhaseResult[] = [];
  for (const [step, connections] of CONCURRENCIES.entries()) {
    // Alternate which server goes first at each step (ABBA) to spread drift on a shared machine.
    const ordered = step % 2 === 0 ? targets : [...targets].reverse();
    for (const grant of ['refresh_token', 'authorization_code'] as const) {
      for (const target of ordered) {
        const sameRefresh = results.find(
          (r) => r.target === target.name && r.grant === 'refresh_token' && r.connections === connections,
        );
        const r = await runPhase(target, grant, connections, PHASE_SECONDS, sameRefresh?.requestsPerSecond);
        results.push(r);
        logPhase(r);
      }
    }
  }
  return results;
}

function logPhase(r: PhaseResult): void {
  log(
    `${r.target.padEnd(16)} ${r.grant.padEnd(18)} c=${String(r.connections).padEnd(2)} ` +
      `${r.requestsPerSecond.toFixed(0).padStart(5)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ` +
      `errors ${r.non2xx + r.errors + r.timeouts}  cpu ${r.cpuMsPerToken.toFixed(2)} ms/token` +
      `${r.dynamoCallsPerToken === undefined ? '' : `  ${r.dynamoCallsPerToken.toFixed(2)} DynamoDB calls/token`}` +
      `${r.poolExhausted ? '  (code pool ran out)' : ''}`,
  );
  if (r.sampleError) log(`       first error: ${r.sampleError}`);
}

/**
 * Keyway's machine grants (issue "Machines and agents"): client_credentials and token exchange at every
 * concurrency, after an unrecorded warm-up, then the chain checks' DynamoDB calls on introspection and userinfo.
 */
async function machinePhases(
  keyway: LoadTarget,
  fx: KeywayFixture,
  machine: MachineFixture,
  child: ChildProcess,
): Promise<MachineResults> {
  const sanity = await machineSanity(fx, machine);
  log('machines: warm-up (not recorded): 3 s client_credentials + 3 s token exchange at 8 connections');
  for (const grant of MACHINE_GRANTS) await runPhase(keyway, grant, 8, 3);
  const phases: PhaseResult[] = [];
  for (const connections of CONCURRENCIES)
    for (const grant of MACHINE_GRANTS) {
      const r = await runPhase(keyway, grant, connections, PHASE_SECONDS);
      phases.push(r);
      logPhase(r);
    }
  log(`machines: chain checks, ${CHAIN_REQUESTS} sequential introspection and userinfo requests per token`);
  const chain = await measureChainChecks({
    fx,
    machine,
    requests: CHAIN_REQUESTS,
    cpuMicros: () => cpuOf(child),
    dynamoCalls: () => ipcRequest<DynamoCallCounts>(child, { type: 'dynamoCalls' }),
  });
  for (const row of chain.rows)
    log(
      `machines: ${row.endpoint.padEnd(10)} ${row.token.padEnd(15)} ${row.dynamoCallsPerRequest.toFixed(2)} DynamoDB calls/request ` +
        `(${Object.entries(row.dynamoCallsByOperation)
          .map(([op, n]) => `${op} ${n.toFixed(2)}`)
          .join(', ')})  ok ${row.ok}/${row.requests}  cpu ${row.cpuMsPerRequest.toFixed(2)} ms`,
    );
  return { phases, sanity, chain };
}

/** One more refresh phase per server (not in the tables: profiling slows it) under the V8 sampling profiler. */
async function profiledPhases(
  targets: readonly { target: LoadTarget; child: ChildProcess }[],
  file: (name: string) => string,
): Promise<ProfileResult[]> {
  const out: ProfileResult[] = [];
  for (const { target, child } of targets) {
    const path = file(target.name);
    const phase = await runPhase(target, 'refresh_token', 8, PHASE_SECONDS, undefined, {
      beforeLoad: async () => void (await ipcRequest(child, { type: 'profileStart' })),
      afterLoad: async () => void (await ipcRequest(child, { type: 'profileStop', file: path })),
    });
    out.push({
      target: target.name,
      grant: 'refresh_token',
      connections: 8,
      requests: phase.ok,
      file: path,
      ...(await summarizeProfile(path)),
    });
    log(`profiled ${target.name} refresh at 8 connections: ${path}`);
  }
  return out;
}

async function cpuOf(child: ChildProcess): Promise<number> {
  const { user, system } = await ipcRequest<{ user: number; system: number }>(child, { type: 'cpu' });
  return user + system;
}

/**
 * A Keyway server child as a load target: its CPU, DynamoDB Local's (reported, not charged), its DynamoDB calls, and
 * (with `machine`) the clients of the machine grants.
 */
function keywayTarget(
  name: 'keyway' | 'keyway-unlimited',
  fx: KeywayFixture,
  child: ChildProcess,
  jvmPid: number | undefined,
  machine?: MachineFixture,
): LoadTarget {
  return {
    name,
    url: fx.url,
    tokenPath: `/${fx.tenantId}/token`,
    authorization: fx.authorization,
    redirectUri: REDIRECT_URI,
    cpuMicros: () => cpuOf(child),
    sideCpuMicros: () => (jvmPid === undefined ? undefined : procCpuMicros(jvmPid)),
    dynamoCalls: () => ipcRequest<DynamoCallCounts>(child, { type: 'dynamoCalls' }),
    mintCodes: (count) => mintKeywayCodes(fx, count),
    ...(machine
      ? {
          machine: {
            authorization: {
              client_credentials: machine.service.authorization,
              token_exchange: machine.agents[0].authorization,
            },
            subjectToken: () => userAccessToken(fx),
          },
        }
      : {}),
  };
}

async function main(): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  installSignalHandlers();
  const resultsDir = join(HERE, 'results');
  await mkdir(resultsDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'keyway-bench-'));
  onCleanup(() => rm(work, { recursive: true, force: true }));

  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    machine: describeMachine(),
    settings: {
      phaseSeconds: PHASE_SECONDS,
      concurrencies: [...CONCURRENCIES],
      coldStartRuns: COLD_RUNS,
      keywayLogLevel: LOG_LEVEL,
      sections: [...SECTIONS],
    },
  };
  log(
    `machine: ${results.machine.cpuModel}, ${results.machine.logicalCores} cores, load ${results.machine.loadAverageAtStart.join(' ')}`,
  );

  if (SECTIONS.has('floor')) {
    results.floor = await floor();
    log(`floor: ${results.floor.perCpuSecond.toFixed(0)} RSA-2048 signatures/s per core`);
  }
  if (SECTIONS.has('signing')) {
    results.signing = await signing();
    log(
      `signing: kms ${results.signing.kms.localCpuMsPerSignature.toFixed(3)} ms local CPU/signature, ` +
        `kms-envelope ${results.signing.kmsEnvelope.localCpuMsPerSignature.toFixed(3)} ms`,
    );
  }

  // One DynamoDB Local for every section that needs one, started by the first of them.
  let dynamoDb: Promise<{ endpoint: string; jvmPid: number | undefined }> | undefined;
  const dynamo = () =>
    (dynamoDb ??= (async () => {
      log('starting DynamoDB Local (in memory)');
      const ddb = await startDynamoDbLocal(undefined);
      const jvmPid = findChildPid(process.pid, ['DynamoDBLocal', String(new URL(ddb.endpoint).port)]);
      if (jvmPid !== undefined) trackPid(jvmPid);
      onCleanup(async () => {
        await ddb.stop();
        if (jvmPid !== undefined) untrackPid(jvmPid);
      });
      return { endpoint: ddb.endpoint, jvmPid };
    })());

  if (SECTIONS.has('webhooks')) {
    const { endpoint, jvmPid } = await dynamo();
    log('webhooks: the local dispatcher at queue concurrency 1 and 16, to a loopback receiver');
    results.webhooks = await webhooks(endpoint, jvmPid);
  }

  if (SECTIONS.has('load') || SECTIONS.has('cold') || MACHINES) {
    const ddb = await dynamo();
    const jvmPid = ddb.jvmPid;
    const tableName = 'keyway-bench';
    const { client, doc } = createDocumentClient({ region: 'us-west-2', endpoint: ddb.endpoint });
    onCleanup(async () => client.destroy());
    await ensureTable(client, tableName);
    const store = new Store(new Table(doc, tableName, systemClock));

    const dataDir = join(work, 'keyway-data');
    await mkdir(dataDir, { recursive: true });
    const keywayEnv = {
      DYNAMODB_ENDPOINT: ddb.endpoint,
      TABLE_NAME: tableName,
      KEYWAY_ADMIN_KEY: ADMIN_KEY,
      BENCH_DATA_DIR: dataDir,
      BENCH_RATE_LIMITS: 'bench',
      LOG_LEVEL,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const keywayChild = forkTs(join(HERE, 'servers', 'keyway-server.ts'), { env: keywayEnv });
    results.settings.keywayRateLimits = 'on';
    const ready = await waitForMessage<{ url: string; baseUrl: string }>(keywayChild, 'ready');
    log(`Keyway local server at ${ready.url} (own process; DynamoDB Local is another)`);
    const fx: KeywayFixture = await seedKeyway({ url: ready.url, baseUrl: ready.baseUrl, adminKey: ADMIN_KEY, store });
    const machineFx = MACHINES ? await seedMachineClients(fx) : undefined;
    const keyway = keywayTarget('keyway', fx, keywayChild, jvmPid, machineFx);

    if (SECTIONS.has('load') || MACHINES) {
      const child = forkTs(join(HERE, 'floor', 'dynamodb-call.ts'), {
        args: opts.quick ? ['500', '500'] : ['2000', '1500'],
        env: { DYNAMODB_ENDPOINT: ddb.endpoint, TABLE_NAME: tableName, BENCH_TENANT: fx.tenantId },
      });
      results.dynamodbCall = (await waitForMessage<{ result: DynamoCallResult }>(child, 'result')).result;
      log(`one DynamoDB GetItem costs the caller ${results.dynamodbCall.cpuMsPerCall.toFixed(3)} ms of CPU`);
    }

    if (SECTIONS.has('load')) {
      const startPeer = async (storage: 'memory' | 'dynamodb') => {
        const child = forkTs(join(HERE, 'servers', 'peer-server.ts'), {
          env: { PEER_STORAGE: storage, DYNAMODB_ENDPOINT: ddb.endpoint, PEER_TABLE_NAME: 'oidc-provider-bench' },
        });
        const ready = await waitForMessage<{ url: string; tokenPath: string }>(child, 'ready');
        return { child, ready };
      };
      const peerMap = await startPeer('memory');
      log(`node-oidc-provider at ${peerMap.ready.url} (own process, in-memory storage)`);
      const peerDdb = await startPeer('dynamodb');
      log(`node-oidc-provider at ${peerDdb.ready.url} (own process, DynamoDB adapter on the same DynamoDB Local)`);
      const peerTarget = (name: 'peer' | 'peer-dynamodb', { child, ready }: typeof peerMap): LoadTarget => ({
        name,
        url: ready.url,
        tokenPath: ready.tokenPath,
        authorization: `Basic ${Buffer.from(`${PEER_CLIENT.client_id}:${PEER_CLIENT.client_secret}`).toString('base64')}`,
        redirectUri: PEER_REDIRECT_URI,
        cpuMicros: () => cpuOf(child),
        ...(name === 'peer-dynamodb'
          ? {
              sideCpuMicros: () => (jvmPid === undefined ? undefined : procCpuMicros(jvmPid)),
              dynamoCalls: () => ipcRequest<DynamoCallCounts>(child, { type: 'dynamoCalls' }),
            }
          : {}),
        mintCodes: async (count) => {
          const codes: { code: string; verifier: string }[] = [];
          for (let done = 0; done < count; done += 500) {
            const batch = await ipcRequest<{ codes: { code: string; verifier: string }[] }>(child, {
              type: 'mintCodes',
              count: Math.min(500, count - done),
            });
            codes.push(...batch.codes);
          }
          return codes;
        },
      });
      const peer = peerTarget('peer', peerMap);
      const peerDynamo = peerTarget('peer-dynamodb', peerDdb);
      const targets = [keyway, peerDynamo, peer];
      results.sanity = [];
      for (const target of targets) results.sanity.push(await sanity(target));
      results.load = await loadPhases(targets);
      const stamp = results.startedAt.replace(/[:.]/g, '-');
      results.profiles = await profiledPhases(
        [
          { target: keyway, child: keywayChild },
          { target: peerDynamo, child: peerDdb.child },
          { target: peer, child: peerMap.child },
        ],
        (name) => join(resultsDir, `${stamp}-${name}-refresh.cpuprofile`),
      );
      peerMap.child.kill('SIGTERM');
      peerDdb.child.kill('SIGTERM');
    }

    if (MACHINES && machineFx) results.machines = await machinePhases(keyway, fx, machineFx, keywayChild);

    if (SECTIONS.has('load')) {
      // The limiter's cost: a second Keyway, limiter off, on the same table and tenant, next to the first.
      const unlimitedChild = forkTs(join(HERE, 'servers', 'keyway-server.ts'), {
        env: { ...keywayEnv, BENCH_RATE_LIMITS: 'off' },
      });
      const unlimitedReady = await waitForMessage<{ url: string }>(unlimitedChild, 'ready');
      const unlimited = keywayTarget(
        'keyway-unlimited',
        { ...fx, url: unlimitedReady.url },
        unlimitedChild,
        jvmPid,
        machineFx,
      );
      // A fresh process: V8 needs a thousand or so SDK calls before the hot path is optimised.
      const warmUp = Math.max(3, PHASE_SECONDS);
      log(`Keyway with RATE_LIMITS=off at ${unlimitedReady.url}; warm-up (not recorded): ${warmUp} s refresh`);
      await runPhase(unlimited, 'refresh_token', 8, warmUp);
      const c = LIMITER_CONNECTIONS;
      const on = await runPhase(keyway, 'refresh_token', c, PHASE_SECONDS);
      const off = await runPhase(unlimited, 'refresh_token', c, PHASE_SECONDS);
      results.limiter = { connections: c, on, off, plans: BENCH_PLANS };
      for (const [label, r] of [
        ['on ', on],
        ['off', off],
      ] as const)
        log(
          `keyway, limiter ${label} refresh c=${c} ${r.requestsPerSecond.toFixed(0).padStart(5)} req/s  p99 ${r.latency.p99} ms  ` +
            `errors ${r.non2xx + r.errors + r.timeouts}  cpu ${r.cpuMsPerToken.toFixed(2)} ms/token  ${r.dynamoCallsPerToken?.toFixed(2)} DynamoDB calls/token`,
        );
      if (results.machines) {
        // The limiter's share of the machine target: client_credentials on the limiter-off Keyway, same concurrency.
        await runPhase(unlimited, 'client_credentials', 8, 3);
        const offCc = await runPhase(unlimited, 'client_credentials', c, PHASE_SECONDS);
        results.machines = { ...results.machines, limiterOff: offCc };
        logPhase(offCc);
      }
      unlimitedChild.kill('SIGTERM');
    }

    if (SECTIONS.has('cold')) {
      log(`cold start: bundling ${routes.length} routes + hello world, ${COLD_RUNS} fresh processes each`);
      const events = await buildColdStartEvents(fx, routes, COLD_RUNS + 1);
      const cold = await measureColdStarts({
        routes,
        events,
        helloEntry: 'bench/coldstart/hello.ts',
        sdkFloorEntry: 'bench/coldstart/dynamodb-hello.ts',
        sdkFloorProbeEntry: 'bench/coldstart/sdk-floor-probe.ts',
        outDir: join(work, 'bundles'),
        runs: COLD_RUNS,
        log,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_REGION: 'us-west-2',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          TABLE_NAME: tableName,
          DYNAMODB_ENDPOINT: ddb.endpoint,
          BASE_URL: fx.baseUrl,
          SIGNER_MODE: 'local',
          LOCAL_KEY_DIR: dataDir,
          KEYWAY_ADMIN_KEY: ADMIN_KEY,
          POWERTOOLS_SERVICE_NAME: 'keyway',
          LOG_LEVEL,
        },
      });
      results.coldStart = cold satisfies ColdStartResults;
    }
  }

  results.finishedAt = new Date().toISOString();
  results.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  results.budgets = evaluateBudgets(results);
  const markdown = renderMarkdown(results);
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  await writeFile(join(resultsDir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(resultsDir, `${stamp}.md`), markdown);
  await copyFile(join(resultsDir, `${stamp}.json`), join(resultsDir, 'latest.json'));
  await copyFile(join(resultsDir, `${stamp}.md`), join(resultsDir, 'latest.md'));
  if (opts.publish) await publish(markdown);
  log(`report: bench/results/${stamp}.md${opts.publish ? ' and bench/RESULTS.md' : ''}`);

  const failures = results.budgets.failures;
  if (failures.length > 0) {
    console.error(`\nBudget failures (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    return 1;
  }
  log('all budgets pass');
  return 0;
}

/** bench/RESULTS.md is committed, so it is written in the repository's format (Biome formats markdown too). */
async function publish(markdown: string): Promise<void> {
  const file = join(HERE, 'RESULTS.md');
  await writeFile(file, markdown);
  const biome = spawnSync(join(HERE, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', file], {
    encoding: 'utf8',
  });
  if (biome.status !== 0) console.error(`biome format bench/RESULTS.md failed:\n${biome.stderr || biome.stdout}`);
}

/** `--render`: the markdown again from a results JSON. */
async function render(file: string): Promise<number> {
  const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  results.budgets = evaluateBudgets(results);
  const markdown = renderMarkdown(results);
  await writeFile(file.replace(/\.json$/, '.md'), markdown);
  if (opts.publish) await publish(markdown);
  console.log(`rendered ${file.replace(/\.json$/, '.md')}${opts.publish ? ' and bench/RESULTS.md' : ''}`);
  return results.budgets.failures.length > 0 ? 1 : 0;
}

let code = 1;
try {
  code = opts.render ? await render(opts.render) : await main();
} catch (error) {
  if (!wasInterrupted()) console.error(`bench failed: ${(error as Error).stack ?? error}`);
  code = 2;
} finally {
  await cleanupAll();
}
process.exit(code);
