import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { Conflict } from '../../../lambdas/core/errors.ts';
import { DEFAULT_TENANT_SETTINGS, type Tenant } from '../../../lambdas/core/store/tenants.ts';
import { createTestStore, ManualClock } from '../../support/store.ts';

const tenant = (id: string): Tenant => ({
  id,
  name: 'Acme',
  plan: 'free',
  settings: DEFAULT_TENANT_SETTINGS,
  createdAt: new Date(0).toISOString(),
});

describe('tenant store', () => {
  it('creates a tenant and finds it by id', async () => {
    const { store } = await createTestStore();
    await store.tenants.createTenant(tenant('acme'));
    expect(await store.tenants.findTenant('acme')).toMatchObject({ id: 'acme', plan: 'free' });
    expect(await store.tenants.findTenant('other')).toBeUndefined();
  });

  it('refuses a second tenant with the same id (conditional put), even when both race', async () => {
    const { store } = await createTestStore();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => store.tenants.createTenant(tenant('race'))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect(r.reason).toBeInstanceOf(Conflict);
  });

  it('keeps a random decoy key per tenant, stable across reads, loaded with the tenant', async () => {
    const { store } = await createTestStore();
    await store.tenants.createTenant(tenant('one'));
    await store.tenants.createTenant(tenant('two'));
    const loaded = async (id: string) => (await store.tenants.findTenant(id))!;
    const one = await store.tenants.decoyKey(await loaded('one'));
    expect(one).toHaveLength(32);
    expect((await store.tenants.decoyKey(await loaded('one'))).equals(one)).toBe(true);
    expect((await store.tenants.decoyKey(await loaded('two'))).equals(one)).toBe(false);
  });

  it('gives a tenant stored without a decoy key one on first use, the same one to concurrent callers', async () => {
    const { store, table } = await createTestStore();
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: { pk: 'T#legacy', sk: 'TENANT', type: 'tenant', ...tenant('legacy') },
      }),
    );
    const legacy = (await store.tenants.findTenant('legacy'))!;
    expect(legacy.decoyKey).toBeUndefined();
    const keys = await Promise.all([store.tenants.decoyKey(legacy), store.tenants.decoyKey(legacy)]);
    expect(keys[0]!.equals(keys[1]!)).toBe(true);
    expect((await store.tenants.decoyKey((await store.tenants.findTenant('legacy'))!)).equals(keys[0]!)).toBe(true);
  });
});

describe('table TTL', () => {
  it('treats an item past its ttl as absent even before DynamoDB deletes it', async () => {
    const clock = new ManualClock();
    const { table } = await createTestStore(clock);
    const nowSeconds = Math.floor(clock.now() / 1000);
    await table.doc.send(
      new PutCommand({ TableName: table.name, Item: { pk: 'T#acme#X#1', sk: 'X', ttl: nowSeconds + 60 } }),
    );
    expect(await table.get({ pk: 'T#acme#X#1', sk: 'X' })).toBeDefined();
    clock.advance(61);
    expect(await table.get({ pk: 'T#acme#X#1', sk: 'X' })).toBeUndefined();
  });
});
