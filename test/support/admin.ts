import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalKeyway } from '../../local/app.ts';
import { ADMIN_KEY, createTenant } from './keyway.ts';

export interface AdminCall {
  readonly res: Response;
  readonly body: Record<string, unknown>;
}

/** One admin API call: JSON in and out, the operator key unless `key` says otherwise (`null`: no credentials). */
export async function admin(
  keyway: LocalKeyway,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<AdminCall> {
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const res = await fetch(`${keyway.url}${path}`, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(hasBody ? { body: options.rawBody ?? JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { res, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A fresh tenant (operator-created) and a read-write API key of it. */
export async function tenantWithKey(keyway: LocalKeyway, id: string, scopes?: string[]) {
  const created = await createTenant(keyway, { name: `Tenant ${id}`, plan: 'free', id });
  if (created.res.status !== 201)
    throw new Error(`tenant ${id}: ${created.res.status} ${JSON.stringify(created.body)}`);
  const key = await admin(keyway, 'POST', `/admin/tenants/${id}/api-keys`, {
    body: { name: 'ci', ...(scopes ? { scopes } : {}) },
  });
  if (key.res.status !== 201) throw new Error(`api key: ${key.res.status} ${JSON.stringify(key.body)}`);
  return { tenantId: id, key: key.body.secret as string, keyId: key.body.id as string };
}

/**
 * Every item whose partition key belongs to `tenantId` (`T#{id}` or `T#{id}#...`), as canonical JSON sorted by key:
 * two snapshots are equal exactly when nothing of the tenant changed.
 */
export async function tenantSnapshot(keyway: LocalKeyway, tenantId: string): Promise<string[]> {
  const table = keyway.store.table;
  const pk = `T#${tenantId}`;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await table.doc.send(
      new ScanCommand({
        TableName: table.name,
        ConsistentRead: true,
        FilterExpression: 'pk = :pk OR begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': `${pk}#` },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  return items.map((i) => JSON.stringify(canonical(i))).sort();
}
