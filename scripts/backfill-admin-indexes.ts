/**
 * Adds the GSI1 keys the admin API lists by to items written before it existed (users, sessions, token families),
 * once per table after upgrading a deployment:
 *
 *   AWS_REGION=eu-west-1 npx tsx scripts/backfill-admin-indexes.ts --table <TableName output of the stack>
 *
 * Without it, older users are missing from GET /admin/tenants/{id}/users and older sessions/families from the
 * per-user listings (their suspension and sign-out checks work either way: those read the user, not the index).
 * It also records each client's claim on its CORS origins (origins stored before claims were counted have none, and
 * stay allowed until then; once a client of such an origin is edited or deleted, only counted claims keep it).
 * Idempotent: an item that has its index keys is left alone (the update is conditioned on their absence), and adding
 * a client id to a string set twice changes nothing.
 */
import { parseArgs } from 'node:util';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../lambdas/core/clock.ts';
import { keys } from '../lambdas/core/store/keys.ts';
import { createDocumentClient, type Item, isConditionFailed, Table } from '../lambdas/core/store/table.ts';
import { runIfInvoked } from './run-script.ts';

/** The GSI1 keys an item should have, or undefined when it needs none (or lacks what they are made of). */
function indexKeysOf(item: Item): { gsi1pk: string; gsi1sk: string; extra?: Record<string, unknown> } | undefined {
  const tenantId = item.tenantId;
  if (typeof tenantId !== 'string') return undefined;
  if (item.type === 'user' && typeof item.userId === 'string' && typeof item.createdAt === 'number')
    return keys.userIndex(tenantId, item.createdAt, item.userId);
  if (item.type === 'grant' && typeof item.userId === 'string' && typeof item.grantId === 'string')
    return keys.grantIndex(tenantId, item.userId, item.grantId);
  if (item.type === 'session' && typeof item.userId === 'string' && typeof item.pk === 'string') {
    const hash = item.pk.slice(item.pk.lastIndexOf('#SES#') + 5);
    return { ...keys.sessionIndex(tenantId, item.userId, hash), extra: { id: hash } };
  }
  return undefined;
}

/** Adds the client's id to the claims of each of its origins (what ClientRepository does on every client write). */
async function claimOrigins(table: Table, client: Item): Promise<number> {
  const origins = Array.isArray(client.allowedOrigins) ? (client.allowedOrigins as string[]) : [];
  if (typeof client.tenantId !== 'string' || typeof client.clientId !== 'string') return 0;
  for (const origin of origins) {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: keys.origin(client.tenantId, origin),
        UpdateExpression: 'SET #type = :type, origin = :origin, claimsCounted = :true ADD clients :client',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'origin',
          ':origin': origin,
          ':true': true,
          ':client': new Set([client.clientId]),
        },
      }),
    );
  }
  return origins.length;
}

/** Scans the whole table once; returns how many items got their index keys. */
export async function backfillAdminIndexes(table: Table): Promise<number> {
  let updated = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: '(attribute_not_exists(gsi1pk) AND #type IN (:user, :grant, :session)) OR #type = :client',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':user': 'user', ':grant': 'grant', ':session': 'session', ':client': 'client' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.type === 'client') {
        updated += await claimOrigins(table, item);
        continue;
      }
      const index = indexKeysOf(item);
      if (!index) continue;
      const { extra = {}, ...gsi } = index;
      const values = { ...gsi, ...extra };
      const names = Object.keys(values);
      try {
        await table.doc.send(
          new UpdateCommand({
            TableName: table.name,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(gsi1pk)',
            ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
            ExpressionAttributeValues: Object.fromEntries(
              names.map((n) => [`:${n}`, values[n as keyof typeof values]]),
            ),
          }),
        );
        updated++;
      } catch (error) {
        if (!isConditionFailed(error)) throw error; // deleted or indexed meanwhile
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return updated;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { table: { type: 'string' }, endpoint: { type: 'string' } } });
  if (!values.table) throw new Error('usage: backfill-admin-indexes.ts --table NAME [--endpoint URL]');
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-west-2';
  const { client, doc } = createDocumentClient({ region, endpoint: values.endpoint });
  const updated = await backfillAdminIndexes(new Table(doc, values.table, systemClock));
  process.stderr.write(`indexed ${updated} items of ${values.table}\n`);
  client.destroy();
}

runIfInvoked(import.meta.url, main);
