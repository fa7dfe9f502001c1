import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AttemptOptions,
  attemptDelivery,
  checkWebhookUrl,
  isPublicAddress,
  type LookupAll,
} from '../../lambdas/core/webhooks/http-delivery.ts';

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly received: Received[];
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A receiver on 127.0.0.1 that records each request (with its full body) before `respond` answers it. */
async function startReceiver(respond: RequestListener, host = '127.0.0.1'): Promise<TestServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    res.on('error', () => {}); // the client is allowed to hang up on us
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://${host}:${port}`, received };
}

const local: AttemptOptions = { policy: 'local' };
const payload = { url: '', headers: {}, body: '{"type":"user.created"}' };

describe('attemptDelivery against a real receiver', () => {
  it('delivers a 2xx with the exact body and headers the caller gave', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    const body = JSON.stringify({ type: 'user.created', data: { name: 'Zoë 🚀' } });

    const outcome = await attemptDelivery(
      {
        url: `${receiver.url}/hooks/keyway?tenant=acme`,
        headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=' },
        body,
      },
      local,
    );

    expect(outcome.status).toBe(204);
    expect(outcome.errorClass).toBeUndefined();
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    expect(receiver.received).toHaveLength(1);
    const [hit] = receiver.received;
    expect(hit?.method).toBe('POST');
    expect(hit?.url).toBe('/hooks/keyway?tenant=acme');
    expect(hit?.body).toBe(body);
    expect(hit?.headers).toMatchObject({
      host: `127.0.0.1:${receiver.port}`,
      'content-type': 'application/json',
      'user-agent': 'Keyway-Webhooks/1',
      'content-length': String(Buffer.byteLength(body)),
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': 'v1,abc=',
      connection: 'close',
    });
  });

  it('keeps a caller-given Content-Type and User-Agent but not a caller-given Host or Content-Length', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end('ok'));

    const outcome = await attemptDelivery(
      {
        url: `${receiver.url}/`,
        headers: {
          'content-type': 'application/cloudevents+json',
          'User-Agent': 'Custom/2',
          Host: 'internal.example',
          'Content-Length': '1',
        },
        body: '{"a":1}',
      },
      local,
    );

    expect(outcome).toMatchObject({ status: 200, responseSnippet: 'ok' });
    expect(outcome.errorClass).toBeUndefined();
    expect(receiver.received[0]?.headers).toMatchObject({
      'content-type': 'application/cloudevents+json',
      'user-agent': 'Custom/2',
      host: `127.0.0.1:${receiver.port}`,
      'content-length': '7',
    });
    expect(receiver.received[0]?.body).toBe('{"a":1}');
  });

  it('gives up with timeout when the receiver never answers, and returns promptly', async () => {
    const receiver = await startReceiver(() => {}); // reads the request, never responds

    const started = Date.now();
    const outcome = await attemptDelivery({ ...payload, url: `${receiver.url}/slow` }, { ...local, timeoutMs: 300 });
    const elapsed = Date.now() - started;

    expect(outcome.errorClass).toBe('timeout');
    expect(outcome.status).toBeUndefined();
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
  });

  it('times out when the headers arrive but the body never completes, still reporting the status', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, { ...local, timeoutMs: 300 });

    expect(outcome).toMatchObject({ status: 200, errorClass: 'timeout', responseSnippet: 'partial' });
  });

  it.each([301, 302, 307])('reports a %i as redirect and never follows the Location', async (code) => {
    const elsewhere = await startReceiver((_req, res) => res.writeHead(200).end());
    const receiver = await startReceiver((_req, res) => res.writeHead(code, { location: `${elsewhere.url}/x` }).end());

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: code, errorClass: 'redirect' });
    expect(receiver.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('stops reading a 10 MB body at the limit, reporting the status and a snippet of at most 1 KiB', async () => {
    const tenMegabytes = 10 * 1024 * 1024;
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': String(tenMegabytes) });
      res.end(Buffer.alloc(tenMegabytes, 'a'));
    });

    const started = Date.now();
    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: 200, errorClass: 'response_too_large' });
    expect(outcome.responseSnippet?.length).toBe(1024);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('honours a smaller maxResponseBytes', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end('x'.repeat(200)));

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, { ...local, maxResponseBytes: 100 });

    expect(outcome).toMatchObject({ status: 200, errorClass: 'response_too_large' });
  });

  it('cuts the snippet before a multi-byte character rather than mangling it', async () => {
    const body = `${'a'.repeat(1023)}é and more`; // é is two bytes and straddles the 1 KiB boundary
    const receiver = await startReceiver((_req, res) => res.writeHead(400).end(body));

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: 400, errorClass: 'http_status' });
    expect(outcome.responseSnippet).toBe('a'.repeat(1023));
  });

  it('reports connection when the receiver closes mid-response', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('0123456789');
      setTimeout(() => res.socket?.destroy(), 50);
    });

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: 200, errorClass: 'connection' });
  });

  it('reports connection when nothing listens on the port', async () => {
    const closed = await startReceiver(() => {});
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const outcome = await attemptDelivery({ ...payload, url: `${closed.url}/` }, local);

    expect(outcome.errorClass).toBe('connection');
    expect(outcome.status).toBeUndefined();
  });

  it('reports connection when the receiver drops the socket without answering', async () => {
    const receiver = await startReceiver((req) => req.socket.destroy());

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome.errorClass).toBe('connection');
  });

  it('reports connection, without throwing, when a header value cannot be sent', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());

    const outcome = await attemptDelivery(
      { ...payload, url: receiver.url, headers: { 'x-bad': 'a\r\nInjected: yes' } },
      local,
    );

    expect(outcome.errorClass).toBe('connection');
    expect(receiver.received).toHaveLength(0);
  });

  it('reports any other non-2xx status as http_status with the body snippet', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(404).end('no such hook'));

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: 404, errorClass: 'http_status', responseSnippet: 'no such hook' });
    expect(outcome.retryAfterSeconds).toBeUndefined();
  });
});

describe('Retry-After', () => {
  it('is read as delta-seconds on a 503', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end());

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: 503, errorClass: 'http_status', retryAfterSeconds: 120 });
  });

  it('is read as an HTTP-date relative to now on a 429', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    const receiver = await startReceiver((_req, res) => res.writeHead(429, { 'retry-after': at }).end());

    const outcome = await attemptDelivery({ ...payload, url: receiver.url }, local);

    expect(outcome).toMatchObject({ status: 429, errorClass: 'http_status' });
    expect(outcome.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(outcome.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('is clamped to one day, and a date in the past becomes 0', async () => {
    const huge = await startReceiver((_req, res) => res.writeHead(503, { 'retry-after': '9999999' }).end());
    const past = await startReceiver((_req, res) =>
      res.writeHead(503, { 'retry-after': new Date(Date.now() - 3_600_000).toUTCString() }).end(),
    );

    expect((await attemptDelivery({ ...payload, url: huge.url }, local)).retryAfterSeconds).toBe(86_400);
    expect((await attemptDelivery({ ...payload, url: past.url }, local)).retryAfterSeconds).toBe(0);
  });

  it('is absent on a 500 without the header, or with an unreadable one', async () => {
    const none = await startReceiver((_req, res) => res.writeHead(500).end());
    const garbage = await startReceiver((_req, res) => res.writeHead(500, { 'retry-after': 'soon-ish?' }).end());

    const plain = await attemptDelivery({ ...payload, url: none.url }, local);
    expect(plain).toMatchObject({ status: 500, errorClass: 'http_status' });
    expect(plain.retryAfterSeconds).toBeUndefined();
    expect((await attemptDelivery({ ...payload, url: garbage.url }, local)).retryAfterSeconds).toBeUndefined();
  });

  it('is ignored on a 200 and on a 400', async () => {
    const ok = await startReceiver((_req, res) => res.writeHead(200, { 'retry-after': '30' }).end());
    const bad = await startReceiver((_req, res) => res.writeHead(400, { 'retry-after': '30' }).end());

    const delivered = await attemptDelivery({ ...payload, url: ok.url }, local);
    expect(delivered.status).toBe(200);
    expect(delivered.errorClass).toBeUndefined();
    expect(delivered.retryAfterSeconds).toBeUndefined();
    expect((await attemptDelivery({ ...payload, url: bad.url }, local)).retryAfterSeconds).toBeUndefined();
  });
});

describe('isPublicAddress', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '93.184.216.34',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808', // NAT64 of 8.8.8.8
    '2002:808:808::1', // 6to4 of 8.8.8.8
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo, client 8.8.8.8
  ])('accepts the globally routable %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.170.2',
    '100.64.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '255.255.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '192.0.2.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '240.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1', // deprecated IPv4-compatible form
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '64:ff9b:1::808:808', // local-use NAT64 prefix
    '2002:a00:1::1', // 6to4 of 10.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2001:0:a00:1:8000:63bf:f7f7:f7f7', // Teredo, server 10.0.0.1
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo, client 192.0.2.45 (documentation)
  ])('refuses the non-public %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['', 'example.com', '127.1', '0x7f.0.0.1', '010.0.0.1', '[::1]', '1.2.3.4.5'])(
    'refuses %j, which is not a plainly written IP address',
    (address) => {
      expect(isPublicAddress(address)).toBe(false);
    },
  );
});

describe('checkWebhookUrl', () => {
  it.each([
    'http://example.com',
    'https://localhost/x',
    'https://LOCALHOST./x',
    'https://api.localhost/x',
    'https://metadata.google.internal/',
    'https://printer.local/',
    'https://127.0.0.1/',
    'https://127.1/',
    'https://[::1]/',
    'https://[::ffff:7f00:1]/',
    'https://10.0.0.5/',
    'https://169.254.169.254/latest',
    'https://user:pw@example.com/',
    'https://user@example.com/',
    'https://example.com/hooks#frag',
    'https://example.com/hooks#',
    ' https://example.com/hooks',
    'https://example.com/ho\noks',
    `https://example.com/${'a'.repeat(3000)}`,
    'not a url',
    '/relative/path',
    'ftp://example.com',
  ])("refuses %j under 'aws' with a message", (url) => {
    const message = checkWebhookUrl(url, 'aws');
    expect(typeof message).toBe('string');
    expect(message?.length).toBeGreaterThan(0);
  });

  it.each([
    'https://example.com/hooks',
    'https://hooks.example.com:8443/a/b?c=d',
    'https://8.8.8.8/hook',
    'https://[2606:4700::1111]/hook',
  ])("accepts %j under 'aws'", (url) => {
    expect(checkWebhookUrl(url, 'aws')).toBeUndefined();
  });

  it('accepts exactly 2048 characters and refuses 2049', () => {
    const base = 'https://example.com/';
    expect(checkWebhookUrl(base + 'a'.repeat(2048 - base.length), 'aws')).toBeUndefined();
    expect(checkWebhookUrl(base + 'a'.repeat(2049 - base.length), 'aws')).toMatch(/2048/);
  });

  it.each([
    'http://localhost:8080/x',
    'http://127.0.0.1:9/x',
    'http://[::1]:9/',
    'https://localhost/x',
    'https://example.com/hooks',
  ])("accepts %j under 'local'", (url) => {
    expect(checkWebhookUrl(url, 'local')).toBeUndefined();
  });

  it.each([
    'http://10.0.0.5/',
    'http://example.com',
    'https://10.0.0.5/',
    'https://169.254.169.254/',
    'http://user:pw@localhost:8080/',
    'http://localhost:8080/#x',
    'ftp://localhost/',
  ])("still refuses %j under 'local'", (url) => {
    expect(checkWebhookUrl(url, 'local')).toEqual(expect.any(String));
  });
});

describe('attemptDelivery SSRF guard', () => {
  it("refuses a name when any resolved address is non-public under 'aws', without connecting", async () => {
    const lookup = vi.fn<LookupAll>(async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);

    const outcome = await attemptDelivery(
      { ...payload, url: 'https://hooks.example.com/x' },
      { policy: 'aws', lookup, timeoutMs: 5000 },
    );

    // Had it connected, 93.184.216.34 or 10.0.0.7 would have answered or timed out; refusal is immediate.
    expect(outcome.errorClass).toBe('address_refused');
    expect(outcome.status).toBeUndefined();
    expect(outcome.latencyMs).toBeLessThan(1000);
    expect(lookup).toHaveBeenCalledExactlyOnceWith('hooks.example.com');
  });

  it.each([
    ['the metadata address', [{ address: '169.254.169.254', family: 4 as const }]],
    ['an IPv4-mapped loopback', [{ address: '::ffff:127.0.0.1', family: 6 as const }]],
    ['the AWS IPv6 metadata address', [{ address: 'fd00:ec2::254', family: 6 as const }]],
    ['something that is not an address', [{ address: 'evil.example', family: 4 as const }]],
  ])("refuses a name that resolves to %s under 'aws'", async (_what, addresses) => {
    const outcome = await attemptDelivery(
      { ...payload, url: 'https://hooks.example.com/x' },
      { policy: 'aws', lookup: async () => addresses },
    );
    expect(outcome.errorClass).toBe('address_refused');
  });

  it('reports dns when the name does not resolve', async () => {
    const lookup: LookupAll = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };

    const outcome = await attemptDelivery({ ...payload, url: 'https://nowhere.example/x' }, { policy: 'aws', lookup });

    expect(outcome.errorClass).toBe('dns');
    expect(outcome.status).toBeUndefined();
  });

  it('reports dns when the name resolves to nothing', async () => {
    const outcome = await attemptDelivery(
      { ...payload, url: 'https://nowhere.example/x' },
      { policy: 'aws', lookup: async () => [] },
    );
    expect(outcome.errorClass).toBe('dns');
  });

  it('counts a resolver that hangs against the deadline', async () => {
    const outcome = await attemptDelivery(
      { ...payload, url: 'https://slow-dns.example/x' },
      { policy: 'aws', timeoutMs: 200, lookup: () => new Promise(() => {}) },
    );
    expect(outcome.errorClass).toBe('timeout');
  });

  it('reports invalid_url for a URL checkWebhookUrl refuses, without resolving it', async () => {
    const lookup = vi.fn<LookupAll>(async () => [{ address: '93.184.216.34', family: 4 }]);

    const outcome = await attemptDelivery({ ...payload, url: 'http://example.com/x' }, { policy: 'aws', lookup });

    expect(outcome.errorClass).toBe('invalid_url');
    expect(lookup).not.toHaveBeenCalled();
  });

  it("refuses a non-loopback name that resolves to loopback under 'local'", async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());

    const outcome = await attemptDelivery(
      { ...payload, url: `https://rebind.example:${receiver.port}/` },
      { policy: 'local', lookup: async () => [{ address: '127.0.0.1', family: 4 }] },
    );

    expect(outcome.errorClass).toBe('address_refused');
    expect(receiver.received).toHaveLength(0);
  });

  it("refuses localhost resolving to a LAN address under 'local'", async () => {
    const outcome = await attemptDelivery(
      { ...payload, url: 'http://localhost:8080/' },
      { policy: 'local', lookup: async () => [{ address: '192.168.1.20', family: 4 }] },
    );
    expect(outcome.errorClass).toBe('address_refused');
  });

  it('connects to the vetted address without resolving the name a second time (DNS rebinding)', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    // A rebinding resolver: loopback for the check, then somewhere else for anyone who asks again.
    let calls = 0;
    const lookup: LookupAll = async () => {
      calls += 1;
      return calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.9', family: 4 }];
    };

    const outcome = await attemptDelivery(
      { ...payload, url: `http://localhost:${receiver.port}/hook` },
      { policy: 'local', lookup },
    );

    expect(outcome.status).toBe(200);
    expect(outcome.errorClass).toBeUndefined();
    expect(calls).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers.host).toBe(`localhost:${receiver.port}`);
  });

  // 127.0.0.2 is loopback only on Linux; there, system DNS for `localhost` cannot reach this receiver, so a
  // delivery can only arrive if the socket went to the address the injected lookup vetted.
  it.runIf(process.platform === 'linux')(
    'sends the request to the vetted address, not to what the name would resolve to at connect time',
    async () => {
      const receiver = await startReceiver((_req, res) => res.writeHead(200).end(), '127.0.0.2');
      const lookup = vi.fn<LookupAll>(async () => [{ address: '127.0.0.2', family: 4 }]);

      const outcome = await attemptDelivery(
        { ...payload, url: `http://localhost:${receiver.port}/hook` },
        { policy: 'local', lookup },
      );

      expect(outcome.status).toBe(200);
      expect(lookup).toHaveBeenCalledTimes(1);
      expect(receiver.received).toHaveLength(1);
    },
  );
});
