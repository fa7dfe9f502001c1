import { createServer, type Server } from 'node:http';

/** One request the receiver got; `atMs` is `performance.now()` when its headers arrived. */
export interface Receipt {
  readonly webhookId: string;
  readonly atMs: number;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
}

/**
 * A loopback webhook receiver for the bench (node:http on 127.0.0.1): notes the arrival time of every request, reads
 * its body and answers 204 at once. Signatures are checked afterwards (on a sample), not in the measured path.
 */
export class LoopbackReceiver {
  readonly receipts: Receipt[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LoopbackReceiver> {
    let receiver: LoopbackReceiver | undefined;
    const server = createServer((req, res) => {
      const atMs = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.statusCode = 204;
        res.end();
        receiver!.note({
          webhookId: String(req.headers['webhook-id'] ?? ''),
          atMs,
          timestamp: String(req.headers['webhook-timestamp'] ?? ''),
          signature: String(req.headers['webhook-signature'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    receiver = new LoopbackReceiver(server, `http://127.0.0.1:${port}/hook`);
    return receiver;
  }

  private note(receipt: Receipt): void {
    this.receipts.push(receipt);
    const ready = this.waiters.filter((w) => this.receipts.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.receipts.length < w.count);
    for (const w of ready) w.resolve();
  }

  /** Forgets what was received (between phases). */
  reset(): void {
    this.receipts.length = 0;
  }

  /** Resolves once `count` requests have arrived since the last reset; fails after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.receipts.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`the receiver got ${this.receipts.length} of ${count} deliveries within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
