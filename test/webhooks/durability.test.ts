import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_KEY } from '../support/keyway.ts';
import { eventually, Receiver } from '../support/webhooks.ts';

/**
 * `npm start` as a user runs it (a child process), killed with SIGKILL while deliveries are pending and started
 * again on the same data: the durable local queue must deliver every event, none lost.
 */
let receiver: Receiver;
let dataDir: string;
const tableName = `durability-${Date.now()}`;
const children: ChildProcess[] = [];

beforeAll(async () => {
  receiver = await Receiver.start();
  dataDir = await mkdtemp(join(tmpdir(), 'keyway-durability-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await receiver?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  // Vitest sets BASE_URL (Vite's '/'), which is Keyway's public base URL setting: not passed on.
  const { BASE_URL: _vite, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: {
      ...env,
      PORT: '0',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      TABLE_NAME: tableName,
      KEYWAY_ADMIN_KEY: ADMIN_KEY,
      WEBHOOK_RETRY_SCHEDULE: '0s,1s,1s,1s,1s,1s',
      LOCAL_QUEUE_LEASE_SECONDS: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[^ ,)]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
    setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000).unref();
  });
  return { url, child };
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('local mode keeps pending deliveries across kill -9', () => {
  it('every event is delivered after the server is killed mid-schedule and restarted (sent = received)', async () => {
    const first = await startServer();
    expect(
      (await call(first.url, 'POST', '/admin/tenants', { name: 'Durable', plan: 'free', id: 'durable' })).status,
    ).toBe(201);
    const hook = await call(first.url, 'POST', '/admin/tenants/durable/webhooks', {
      url: `${receiver.url}/durable`,
      events: ['user.created'],
    });
    expect(hook.status).toBe(201);
    receiver.secrets.set('/durable', [hook.body.secret as string]);
    // Every event fails its first two attempts: when the server dies, most retries are still waiting in the queue.
    receiver.respond = ({ attempt }) => (attempt <= 2 ? 503 : 204);
    const users: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await call(first.url, 'POST', '/admin/tenants/durable/users', { email: `u${i}@example.com` });
      expect(r.status).toBe(201);
      users.push(r.body.id as string);
    }
    await eventually(() => receiver.received.length >= 10, 20_000, 'first attempts');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const delivered = () => new Set(receiver.received.filter((r) => r.answered === 204).map((r) => r.id));
    const before = delivered().size;
    expect(before).toBeLessThan(20); // killed mid-schedule

    await startServer();
    await eventually(() => delivered().size === 20, 40_000, 'all 20 events delivered after the restart');
    const ok = receiver.received.filter((r) => r.answered === 204);
    expect(ok.every((r) => r.verified)).toBe(true); // the secret survives the restart (derived from DATA_DIR's key)
    expect(new Set(ok.map((r) => r.event.data.id as string))).toEqual(new Set(users));
  }, 120_000);
});
