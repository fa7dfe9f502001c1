/**
 * `npm start`: the whole provider on a laptop. Every endpoint's real Lambda handler behind one HTTP server,
 * on DynamoDB Local (Java 17) and a local RS256 key. Environment: PORT, HOST, BASE_URL, DATA_DIR,
 * DYNAMODB_ENDPOINT, KEYWAY_ADMIN_KEY, WEBHOOK_RETRY_SCHEDULE, EVENT_FEED_SETTLE_SECONDS, LOCAL_QUEUE_LEASE_SECONDS,
 * RATE_LIMITS
 * (see README.md).
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type LocalKeyway, startKeyway } from './app.ts';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? '.keyway';
const rateLimits = process.env.RATE_LIMITS ?? 'on';
if (rateLimits !== 'on' && rateLimits !== 'off') {
  console.error(`RATE_LIMITS must be on or off, not ${rateLimits}`);
  process.exit(1);
}

/** A path for the shell: as given when it stays inside the working directory (`.keyway/admin-key`), else absolute. */
function shellPath(path: string): string {
  const fromHere = relative(process.cwd(), resolve(path));
  const shown = fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : resolve(path);
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", `'\\''`)}'`;
}

/** Where the operator key is and the command that puts it in $KEY, for the curl lines below. */
function operatorKeyLines(keyway: LocalKeyway): string[] {
  if (process.env.KEYWAY_ADMIN_KEY)
    return ['Operator key: the KEYWAY_ADMIN_KEY you set (not stored); put it in KEY for the curl lines below'];
  if (dataDir === ':memory:')
    return [
      'Operator key (KEYWAY_ADMIN_KEY), generated for this run only (DATA_DIR=:memory: keeps nothing):',
      `  KEY=${keyway.adminKey}`,
    ];
  const file = shellPath(join(dataDir, 'admin-key'));
  return [
    ...(keyway.adminKeyGenerated
      ? [`Operator key (KEYWAY_ADMIN_KEY), generated and kept in ${file}:`, `  ${keyway.adminKey}`]
      : []),
    `Operator key, in another shell: KEY=$(cat ${file})`,
  ];
}

// Signals that arrive while DynamoDB Local is still starting are honoured once it is up, so its JVM is never
// left behind; later ones stop everything at once.
let stopRequested: string | undefined;
let stop: ((signal: string) => Promise<void>) | undefined;
const onSignal = (signal: string) => {
  if (stop) void stop(signal);
  else stopRequested ??= signal;
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

console.log(`Keyway local mode — starting (data: ${dataDir === ':memory:' ? 'in memory' : dataDir})`);
const started = Date.now();
try {
  const keyway = await startKeyway({
    host,
    port,
    // Unset BASE_URL means http://localhost:{the port actually bound} (PORT=0 picks a free one).
    ...(process.env.BASE_URL ? { baseUrl: process.env.BASE_URL } : {}),
    dataDir,
    demo: true,
    ...(process.env.DYNAMODB_ENDPOINT ? { dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT } : {}),
    ...(process.env.KEYWAY_ADMIN_KEY ? { adminKey: process.env.KEYWAY_ADMIN_KEY } : {}),
    ...(process.env.TABLE_NAME ? { tableName: process.env.TABLE_NAME } : {}),
    ...(process.env.WEBHOOK_RETRY_SCHEDULE ? { webhookRetrySchedule: process.env.WEBHOOK_RETRY_SCHEDULE } : {}),
    ...(process.env.LOCAL_QUEUE_LEASE_SECONDS
      ? { queueLeaseSeconds: Number(process.env.LOCAL_QUEUE_LEASE_SECONDS) }
      : {}),
    rateLimits,
    ...(process.env.EVENT_FEED_SETTLE_SECONDS
      ? { eventFeedSettleSeconds: Number(process.env.EVENT_FEED_SETTLE_SECONDS) }
      : {}),
  });
  for (const line of operatorKeyLines(keyway)) console.log(line);
  console.log(`Base URL: ${keyway.baseUrl} (each tenant's issuer is ${keyway.baseUrl}/{tenantId})`);
  console.log(`DynamoDB: ${keyway.dynamodbEndpoint}`);
  console.log(`Create a tenant: curl -X POST ${keyway.baseUrl}/admin/tenants -H "Authorization: Bearer $KEY" \\`);
  console.log(`  -H 'Content-Type: application/json' -d '{"name":"Acme","plan":"free","id":"acme"}'`);
  console.log(
    `Admin API: ${keyway.baseUrl}/admin/openapi.json; CLI: npm run -s keyway -- --help (README: walkthrough)`,
  );
  console.log(`Demo app: ${keyway.baseUrl}/ (tenant "playground", passkey sign-in in one click)`);
  // Open BASE_URL, not the bound address: passkeys and cookies belong to its origin (a browser that opens the bound
  // address is sent there).
  console.log(
    `Keyway ready at ${keyway.baseUrl} — open this address (listening on ${keyway.url}, ${Date.now() - started} ms)`,
  );

  let stopping = false;
  stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    await keyway.stop();
    process.exit(0);
  };
  if (stopRequested) await stop(stopRequested);
} catch (error) {
  console.error(`Keyway failed to start: ${(error as Error).message}`);
  process.exit(1);
}
