import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from './admin.ts';

/** One request the receiver got, and whether `standardwebhooks` accepted its signature with the subscription's secret. */
export interface Received {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  readonly event: { id: string; type: string; tenant_id: string; timestamp: string; data: Record<string, unknown> };
  readonly verified: boolean;
  readonly path: string;
  /** What the receiver answered. */
  readonly answered: number;
}

/**
 * A loopback webhook receiver. Each request is verified with the independent `standardwebhooks` package against
 * the secret registered for its path (`secrets`), then answered as `respond` says (default 204).
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Per path: the signing secret(s) deliveries must verify with (any one of them). */
  readonly secrets = new Map<string, string[]>();
  /** Decides the status per request; `attempt` counts requests with the same webhook-id so far (1-based). */
  respond: (req: { path: string; webhookId: string; attempt: number }) => number | 'hang' = () => 204;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      void receiver!.handle(req).then((status) => {
        if (status === 'hang') return; // never answers; the dispatcher's timeout ends it
        res.statusCode = status;
        if (status === 429 || status === 503) res.setHeader('Retry-After', '1');
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    receiver = new Receiver(server, `http://127.0.0.1:${port}`);
    return receiver;
  }

  private async handle(req: IncomingMessage): Promise<number | 'hang'> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    const verified = (this.secrets.get(path) ?? []).some((secret) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
    const attempt = this.received.filter((r) => r.id === headers['webhook-id']).length + 1;
    const answer = this.respond({ path, webhookId: headers['webhook-id'], attempt });
    this.received.push({
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      event: JSON.parse(body) as Received['event'],
      verified,
      path,
      answered: answer === 'hang' ? 0 : answer,
    });
    return answer;
  }

  /** Requests to one path (one subscription). */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Subscribes `receiver.url + path` and registers its secret with the receiver. */
export async function subscribe(
  keyway: LocalKeyway,
  tenantId: string,
  receiver: Receiver,
  path: string,
  events: string[] = ['*'],
  key?: string,
): Promise<{ id: string; secret: string }> {
  const r = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks`, {
    ...(key ? { key } : {}),
    body: { url: `${receiver.url}${path}`, events },
  });
  if (r.res.status !== 201) throw new Error(`subscribe: ${r.res.status} ${JSON.stringify(r.body)}`);
  receiver.secrets.set(path, [r.body.secret as string]);
  return { id: r.body.id as string, secret: r.body.secret as string };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A subscription of `tenantId` with one delivered delivery (of a webhook.test event): ids for path parameters. */
export async function webhookWithDelivery(
  keyway: LocalKeyway,
  tenantId: string,
  receiver: Receiver,
): Promise<{ webhookId: string; deliveryId: string }> {
  const hook = await subscribe(keyway, tenantId, receiver, `/${tenantId}-fixture`);
  await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks/${hook.id}/test`, { body: {} });
  const deliveryId: string = (await eventually(
    async () => {
      const r = await admin(
        keyway,
        'GET',
        `/admin/tenants/${tenantId}/webhooks/${hook.id}/deliveries?status=delivered`,
      );
      return (r.body.items as { id: string }[] | undefined)?.[0]?.id;
    },
    10_000,
    'the fixture delivery',
  )) as string;
  return { webhookId: hook.id, deliveryId };
}
