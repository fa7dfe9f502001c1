/**
 * Every key the table uses, in one place. Every partition key starts with `T#{tenantId}` so no query can
 * cross tenants; the table of entities and access patterns is in docs/ARCHITECTURE.md.
 */
const t = (tenantId: string) => `T#${tenantId}`;

export const keys = {
  tenant: (tenantId: string) => ({ pk: t(tenantId), sk: 'TENANT' }),
  /** GSI1 listing of all tenants for the platform operator. */
  tenantIndex: (tenantId: string) => ({ gsi1pk: 'TENANTS', gsi1sk: t(tenantId) }),
} as const;
