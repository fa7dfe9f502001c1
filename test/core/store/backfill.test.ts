import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../../lambdas/core/store/keys.ts';
import { commit } from '../../../lambdas/core/store/transaction.ts';
import { backfillAdminIndexes } from '../../../scripts/backfill-admin-indexes.ts';
import { createTestStore } from '../../support/store.ts';

describe('backfill of the admin indexes (scripts/backfill-admin-indexes.ts)', () => {
  it('gives users, sessions and families stored before the admin API their GSI1 keys, and origins their client claims, once', async () => {
    const { store, table } = await createTestStore();
    const put = (Item: Record<string, unknown>) => table.doc.send(new PutCommand({ TableName: table.name, Item }));
    // Prepare: items as the code before the admin API wrote them (no gsi1 keys).
    await put({
      ...keys.user('acme', 'u1'),
      type: 'user',
      tenantId: 'acme',
      userId: 'u1',
      email: 'a@example.com',
      emailVerified: false,
      givenName: '',
      familyName: '',
      roles: ['user'],
      createdAt: 100,
    });
    await put({
      ...keys.session('acme', 'h1'),
      type: 'session',
      tenantId: 'acme',
      userId: 'u1',
      authTime: 100,
      amr: ['hwk'],
      expiresAt: 2_000_000_000,
    });
    await put({
      ...keys.grant('acme', 'g1'),
      type: 'grant',
      tenantId: 'acme',
      grantId: 'g1',
      userId: 'u1',
      clientId: 'c',
    });
    await put({ ...keys.tenant('acme'), type: 'tenant', id: 'acme' });
    await put({
      ...keys.client('acme', 'c1'),
      type: 'client',
      tenantId: 'acme',
      clientId: 'c1',
      allowedOrigins: ['https://a.example'],
    });
    await put({
      ...keys.client('acme', 'c2'),
      type: 'client',
      tenantId: 'acme',
      clientId: 'c2',
      allowedOrigins: ['https://a.example'],
    });
    await put({ ...keys.origin('acme', 'https://a.example'), type: 'origin', origin: 'https://a.example' });
    // Act
    expect(await backfillAdminIndexes(table)).toBe(5);
    // Assess: the listings find them, and a second run changes nothing.
    expect((await store.users.listUsers('acme', { limit: 10 })).items.map((u) => u.userId)).toEqual(['u1']);
    expect((await store.sessions.listUserSessions('acme', 'u1', { limit: 10 })).items).toEqual([
      expect.objectContaining({ id: 'h1', userId: 'u1' }),
    ]);
    expect((await store.tokens.listUserGrants('acme', 'u1')).map((g) => g.grantId)).toEqual(['g1']);
    // The shared origin now counts both clients: deleting one keeps it allowed for the other.
    const c1 = (await store.clients.findClient('acme', 'c1'))!;
    await commit(table, store.clients.deleteClientParts(c1));
    expect(await store.clients.isOriginAllowed('acme', 'https://a.example')).toBe(true);
    const c2 = (await store.clients.findClient('acme', 'c2'))!;
    await commit(table, store.clients.deleteClientParts(c2));
    expect(await store.clients.isOriginAllowed('acme', 'https://a.example')).toBe(false);
    expect(await backfillAdminIndexes(table)).toBe(0);
  });
});
