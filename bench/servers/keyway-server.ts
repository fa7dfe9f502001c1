/**
 * Bench child: Keyway's local server (every route's real Lambda handler behind one HTTP server, local RS256
 * signer) on the bench's DynamoDB Local. Its CPU time is reported over IPC; DynamoDB Local is another process.
 * Environment: DYNAMODB_ENDPOINT, TABLE_NAME, KEYWAY_ADMIN_KEY, BENCH_DATA_DIR (holds the signing key).
 */
import { startKeyway } from '../../local/app.ts';
import { cpuHandler, exitWithParent, profilerHandlers, serveIpc } from '../lib/children.ts';

try {
  const keyway = await startKeyway({
    host: '127.0.0.1',
    port: 0,
    dataDir: process.env.BENCH_DATA_DIR!,
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT!,
    tableName: process.env.TABLE_NAME!,
    adminKey: process.env.KEYWAY_ADMIN_KEY!,
  });
  exitWithParent(() => keyway.stop());
  serveIpc({ cpu: cpuHandler, ...profilerHandlers() });
  process.send?.({ type: 'ready', url: keyway.url, baseUrl: keyway.baseUrl, pid: process.pid });
} catch (error) {
  process.send?.({ type: 'fatal', error: (error as Error).stack ?? String(error) });
  process.exit(1);
}
