import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SHARDS } from '../../lambdas/core/store/events.ts';
import { commit } from '../../lambdas/core/store/transaction.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { eventually, Receiver, subscribe } from '../support/webhooks.ts';

const SETTLE_SECONDS = 1;
let keyway: LocalKeyway;
let receiver: Receiver;

beforeAll(async () => {
  keyway = await startTestKeyway({ eventFeedSettleSeconds: SETTLE_SECONDS });
  receiver = await Receiver.start();
});
afterAll(async () => {
  await keyway?.stop();
  await receiver?.stop();
});

interface FeedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}
interface FeedPage {
  items: FeedEvent[];
  next_after: string | null;
  settled_until: string;
}

async function feed(tenantId: string, key: string, query = ''): Promise<FeedPage> {
  const r = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/events${query}`, { key });
  expect(r.res.status, JSON.stringify(r.body)).toBe(200);
  return r.body as unknown as FeedPage;
}

/** Follows next_after from the start (or `after`) until a page comes back empty. */
async function readAll(tenantId: string, key: string, query: string, after?: string): Promise<FeedEvent[]> {
  const out: FeedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await feed(tenantId, key, `?${query}${cursor ? `&after=${cursor}` : ''}`);
    out.push(...page.items);
    if (page.items.length === 0) return out;
    cursor = page.next_after ?? undefined;
  }
}

describe('the ordered event feed', () => {
  it('serves settled events oldest first, across shards, with the ids webhooks carry', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'feed-order');
    await subscribe(keyway, tenantId, receiver, '/feed-order');
    const emails = Array.from({ length: 12 }, (_, i) => `f${i}@example.com`);
    for (const email of emails)
      await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email } });

    // Younger than the settle window: not served yet.
    const fresh = await feed(tenantId, key, '?types=user.created');
    expect(fresh.items.length).toBeLessThan(12);
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000 + 200));

    const all = await readAll(tenantId, key, 'limit=5&types=user.created');
    expect(all.map((e) => e.data.email)).toEqual(emails);
    const ids = all.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    await eventually(() => receiver.at('/feed-order').length >= 12, 10_000, 'webhooks');
    expect(new Set(receiver.at('/feed-order').map((r) => r.id))).toEqual(new Set(ids));
    // Spread over the shards (12 events in 4 shards: all in one would be a 1-in-4^11 chance).
    const shards = new Set<number>();
    for (let s = 0; s < EVENT_SHARDS; s++) {
      const items = await keyway.store.table.doc.send(
        new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
          TableName: keyway.store.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `T#${tenantId}#EVT#${s}` },
        }),
      );
      if ((items.Items ?? []).length > 0) shards.add(s);
    }
    expect(shards.size).toBeGreaterThan(1);
  });

  it('after= is exclusive and the whole feed (every type) includes the API key of the tenant set-up', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'feed-after');
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email: 'a@example.com' } });
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000 + 200));
    const all = await readAll(tenantId, key, 'limit=100');
    expect(all.map((e) => e.type)).toEqual(['api_key.created', 'user.created']);
    const rest = await feed(tenantId, key, `?after=${all[0]!.id}`);
    expect(rest.items.map((e) => e.id)).toEqual([all[1]!.id]);
    const none = await feed(tenantId, key, `?after=${all[1]!.id}`);
    expect(none.items).toEqual([]);
    // Nothing more: the position moves on to the settle instant, which nothing can commit below any more.
    expect(none.next_after! > all[1]!.id).toBe(true);
    expect(none.next_after! <= `evt_${'Z'.repeat(26)}`).toBe(true);
  });

  it('an event that commits late with an earlier timestamp (skew within the settle window) is not skipped', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'feed-late');
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000 + 200));
    // A reader catches up: its position is now the settle instant.
    const caughtUp = await readAll(tenantId, key, 'limit=100');
    const position = (await feed(tenantId, key, `?after=${caughtUp.at(-1)!.id}`)).next_after!;
    // Another writer's event drawn 600 ms ago (a slow transaction, a clock behind) commits only now.
    const lateMs = Date.now() - 600;
    await commit(
      keyway.store.table,
      keyway.store.events.emit(tenantId, { type: 'user.updated', data: { id: 'late' } }, lateMs),
    );
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000 + 200));
    const next = await readAll(tenantId, key, 'limit=100', position);
    expect(next.map((e) => e.data.id)).toEqual(['late']);
  });

  it('leaves out webhook.test events (they belong to one subscription, not to the tenant)', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'feed-test');
    const hook = await subscribe(keyway, tenantId, receiver, '/feed-test');
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks/${hook.id}/test`, { key, body: {} });
    await eventually(() => receiver.at('/feed-test').length === 1, 10_000, 'the test delivery');
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000 + 200));
    const all = await readAll(tenantId, key, 'limit=100');
    expect(all.map((e) => e.type)).toEqual(['api_key.created']);
  });

  it('refuses a malformed after, an unknown type and a bad limit with 400 problem details', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'feed-bad');
    for (const query of [
      '?after=evt_nope',
      '?types=user.created,user.exploded',
      '?limit=0',
      '?limit=101',
      '?cursor=x',
    ]) {
      const r = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/events${query}`, { key });
      expect(r.res.status, query).toBe(400);
      expect(r.body, query).toMatchObject({ status: 400 });
    }
  });
});
