import {
  type AdminContext,
  createAdminHandler,
  PLATFORM_AUDIT_LOG,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { requireTenant } from '../core/issuer.ts';
import type { AuditEntry } from '../core/store/audit-log.ts';

function entryJson(e: AuditEntry) {
  return {
    id: e.id,
    time: e.time,
    actor: e.actor,
    action: e.action,
    target: e.target,
    trace_id: e.traceId,
    idempotency_key: e.idempotencyKey ?? null,
    changes: e.changes,
  };
}

/**
 * GET /admin/tenants/{tenantId}/audit-log (the tenant's) and GET /admin/audit-log (the platform's: tenant
 * deletions), newest first. Read-only by construction: there is no route that edits or deletes an entry.
 */
async function listAuditLog({ req, store }: AdminContext) {
  const logId = req.params.tenantId === undefined ? PLATFORM_AUDIT_LOG : (await requireTenant(req, store)).id;
  return pageResponse(await store.auditLog.listEntries(logId, pageQuery(req)), entryJson);
}

export const handler = createAdminHandler({ GET: listAuditLog });
