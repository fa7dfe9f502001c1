import { createServer, type IncomingMessage } from 'node:http';

/** A loopback HTTP server in this process (idle while the measured children run), and how to stop it. */
export interface StubServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

interface StubAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Answers every request, once its body is read, with what `answer` gives for its method and path. */
async function startStub(answer: (req: IncomingMessage) => StubAnswer): Promise<StubServer> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, contentType, body } = answer(req);
      res.writeHead(status, { 'Content-Type': contentType, 'x-amzn-RequestId': 'bench-stub' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('stub server did not listen');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in for DynamoDB that answers every request at once: the probe against it shows the SDK floor without the
 * emulator's latency. The answer is what DynamoDB Local gives for the probe's GetItem of an absent item.
 */
export function startInstantDynamoDb(): Promise<StubServer> {
  return startStub(() => ({ status: 200, contentType: 'application/x-amz-json-1.0', body: '{}' }));
}

/**
 * A stand-in for Amazon SES, which the bench has none of: SESv2 SendEmail (`POST /v2/email/outbound-emails`)
 * succeeds at once, anything else is a 404, so a function that calls SES some other way fails its expected status.
 * The routes that send email reach it through AWS_ENDPOINT_URL_SESV2, the SDK's endpoint variable for the service.
 */
export function startSesStub(): Promise<StubServer> {
  return startStub((req) =>
    req.method === 'POST' && req.url === '/v2/email/outbound-emails'
      ? { status: 200, contentType: 'application/json', body: '{"MessageId":"bench"}' }
      : { status: 404, contentType: 'application/json', body: '{"message":"not a SendEmail"}' },
  );
}
