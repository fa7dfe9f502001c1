import { randomToken } from '../crypto.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Item, Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/** Audit entries are kept this long (DynamoDB TTL), documented in docs/ADMIN-API.md. */
export const AUDIT_RETENTION_DAYS = 90;

export interface AuditEntry {
  readonly id: string;
  /** ISO 8601. */
  readonly time: string;
  /** `operator` or `key:{keyId}`. */
  readonly actor: string;
  /** `{resource}.{verb}`, e.g. `api_key.created`, `client.secret_rotated`. */
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly traceId: string;
  readonly idempotencyKey?: string;
  /** What changed, never a secret or a hash of one: field names and new values of non-secret fields. */
  readonly changes: Readonly<Record<string, unknown>>;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'time'>;

/**
 * Append-only: entries are only ever Put (under a fresh, time-ordered sort key) inside the transaction of the change
 * they describe. Nothing in the code updates or deletes one; TTL expires them.
 */
export class AuditLogRepository {
  constructor(private readonly table: Table) {}

  appendEntry(tenantId: string, input: AuditInput, nowMs: number): TransactionPart {
    const time = new Date(nowMs).toISOString();
    const id = `aud_${randomToken(12)}`;
    const entry: AuditEntry = { id, time, ...input };
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.auditEntry(tenantId, `${time}#${id}`),
            type: 'audit',
            ...entry,
            ttl: Math.floor(nowMs / 1000) + AUDIT_RETENTION_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    };
  }

  /** Newest first. */
  async listEntries(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<AuditEntry>> {
    const out = await queryPage(this.table, { partition: keys.auditEntry(tenantId, '').pk, descending: true }, page);
    return { ...out, items: out.items.map(toEntry) };
  }
}

function toEntry(item: Item): AuditEntry {
  const { pk: _pk, sk: _sk, type: _type, ttl: _ttl, ...entry } = item;
  return entry as unknown as AuditEntry;
}
