import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/core/store/table.ts';

/**
 * The SDK floor (bench/coldstart/dynamodb-hello.ts) taken apart. Bundled like a route and imported in a fresh
 * process by bench/coldstart/cold-start.ts, which times the import; `probe()` then does what the floor's first
 * call does one step at a time, each timed on its own, in the order the first GetItem would do them. The HTTP
 * handler is wrapped to time the exchange itself (socket, request, the server's answer, reading it), and the
 * event loop's idle time during the first GetItem is how long the process sat waiting for the server.
 */
const endpoint = process.env.DYNAMODB_ENDPOINT;
const key = { pk: 'T#bench', sk: 'TENANT' };

export interface ProbeSteps {
  /** DynamoDBClient + DynamoDBDocumentClient, created as the handlers create them (lambdas/core/store/table.ts). */
  constructClient: number;
  /** The default credential chain, which finds Lambda's AWS_* variables first. */
  resolveCredentials: number;
  resolveRegion: number;
  /** The endpoint rules (endpoint ruleset evaluation) for the table's region and endpoint. */
  resolveEndpoint: number;
  firstGetItem: number;
  /** Inside the HTTP handler: connect, send, the server's work, read the answer. */
  firstGetItemHttp: number;
  /** Event-loop idle time during the first GetItem: waiting for the server. */
  firstGetItemWait: number;
  secondGetItem: number;
  /** Median HTTP exchange of 30 more GetItems on the kept-alive connection: the server's steady latency. */
  warmGetItemHttp: number;
  /** A fresh loopback TCP connection to the server, once everything is loaded. */
  tcpConnect: number;
}

export async function probe(): Promise<ProbeSteps> {
  const ms: Partial<ProbeSteps> = {};
  let t = performance.now();
  const lap = (step: keyof ProbeSteps) => {
    const now = performance.now();
    ms[step] = now - t;
    t = now;
  };

  const { client, doc } = createDocumentClient({
    region: process.env.AWS_REGION ?? 'us-west-2',
    endpoint,
  });
  lap('constructClient');
  await client.config.credentials();
  lap('resolveCredentials');
  const region = await client.config.region();
  lap('resolveRegion');
  client.config.endpointProvider(
    { Region: region, ...(endpoint ? { Endpoint: endpoint } : {}), UseFIPS: false, UseDualStack: false },
    { logger: client.config.logger },
  );
  lap('resolveEndpoint');

  const handler = client.config.requestHandler as { handle: (...args: unknown[]) => Promise<unknown> };
  const handle = handler.handle.bind(handler);
  let httpMs = 0;
  handler.handle = async (...args: unknown[]) => {
    const h0 = performance.now();
    try {
      return await handle(...args);
    } finally {
      httpMs += performance.now() - h0;
    }
  };
  const get = () => doc.send(new GetCommand({ TableName: process.env.TABLE_NAME ?? 'keyway', Key: key }));

  const elu0 = performance.eventLoopUtilization();
  t = performance.now();
  await get();
  ms.firstGetItemWait = performance.eventLoopUtilization(elu0).idle;
  lap('firstGetItem');
  ms.firstGetItemHttp = httpMs;
  await get();
  lap('secondGetItem');

  const warm: number[] = [];
  for (let i = 0; i < 30; i++) {
    httpMs = 0;
    await get();
    warm.push(httpMs);
  }
  warm.sort((a, b) => a - b);
  ms.warmGetItemHttp = warm[warm.length / 2]!;

  const { hostname, port } = new URL(endpoint ?? 'http://127.0.0.1:8000');
  t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
  lap('tcpConnect');
  client.destroy();
  return ms as ProbeSteps;
}
