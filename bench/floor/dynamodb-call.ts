/**
 * Bench child: what one DynamoDB call costs the caller's CPU. The document client, created as the handlers
 * create it, does `count` sequential GetItems of the bench tenant against DynamoDB Local; CPU is this process's
 * (serialisation, SigV4 signing, the HTTP client, parsing and unmarshalling), never DynamoDB Local's.
 * Environment: DYNAMODB_ENDPOINT, TABLE_NAME, BENCH_TENANT.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/core/store/keys.ts';
import { createDocumentClient } from '../../lambdas/core/store/table.ts';

const count = Number(process.argv[2] ?? 2000);
/** The SDK's code is large: it takes a thousand or so calls before V8 has optimised the hot path. */
const warmUp = Number(process.argv[3] ?? 1500);
const { doc } = createDocumentClient({ region: 'us-west-2', endpoint: process.env.DYNAMODB_ENDPOINT });
const get = () =>
  doc.send(new GetCommand({ TableName: process.env.TABLE_NAME!, Key: keys.tenant(process.env.BENCH_TENANT!) }));

try {
  for (let i = 0; i < warmUp; i++) await get();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await get();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  process.send?.({
    type: 'result',
    result: { calls: count, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / count, wallMsPerCall: wallMs / count },
  });
} catch (error) {
  process.send?.({ type: 'fatal', error: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
}
