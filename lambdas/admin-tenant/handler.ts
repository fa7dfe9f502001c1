import { type AdminContext, change, createAdminHandler, jsonBody, PLATFORM_AUDIT_LOG } from '../core/admin/endpoint.ts';
import { PatchTenant } from '../core/admin/schemas.ts';
import { checkRpId, tenantJson } from '../core/admin/tenants.ts';
import { Conflict, Forbidden, InvalidRequest, NotFound } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { findTenantOf } from '../core/issuer.ts';
import { logger } from '../core/logger.ts';
import { DEFAULT_TENANT_SETTINGS, type Tenant, type TenantChanges } from '../core/store/tenants.ts';
import { parseInput } from '../core/validation.ts';

async function loadTenant({ req, store }: AdminContext): Promise<Tenant> {
  // adminEndpoint has refused malformed ids already; one strongly consistent read.
  const tenant = await store.tenants.findTenant(req.params.tenantId ?? '', true);
  if (!tenant) throw new NotFound('No such tenant.');
  return tenant;
}

/** GET /admin/tenants/{tenantId} — the operator, or a key of this tenant (read). */
async function getTenant(ctx: AdminContext) {
  return json(200, tenantJson(await loadTenant(ctx), ctx.req));
}

/**
 * PATCH /admin/tenants/{tenantId} — name and settings (the operator also the plan). `settings` fields merge into
 * the stored ones; `rpId: null` returns to the default. The id never changes.
 */
async function patchTenant(ctx: AdminContext) {
  const { req, store, principal } = ctx;
  const input = parseInput(PatchTenant, jsonBody(req, 'the fields to change'));
  if (input.name === undefined && input.plan === undefined && input.settings === undefined)
    throw new InvalidRequest('Send at least one of name, plan, settings.');
  if (input.plan !== undefined && principal.kind !== 'operator')
    throw new Forbidden("Only the platform operator can change a tenant's plan.");
  const tenant = await loadTenant(ctx);

  const rpId = input.settings?.rpId;
  if (rpId !== undefined && rpId === (tenant.settings.rpId ?? null)) {
    // Sent back unchanged (a read-modify-write of the settings): not a change, so not refused on a locked tenant.
    delete (input.settings as { rpId?: unknown }).rpId;
  } else if (rpId !== undefined) {
    if (tenant.rpIdLockedAt !== undefined)
      throw new Conflict('rpId cannot change: passkeys are already registered with the current RP ID.');
    if (rpId !== null) checkRpId(rpId, req, tenant.id);
  }
  const changes: TenantChanges = input;
  const settings = { ...tenant.settings };
  for (const [field, value] of Object.entries(input.settings ?? {})) {
    if (value === null) delete (settings as Record<string, unknown>)[field];
    else if (value !== undefined) (settings as Record<string, unknown>)[field] = value;
  }
  const updated: Tenant = {
    ...tenant,
    name: input.name ?? tenant.name,
    plan: input.plan ?? tenant.plan,
    settings: { ...DEFAULT_TENANT_SETTINGS, ...settings },
  };
  return change({
    parts: [store.tenants.updateTenant(tenant.id, changes)],
    auditTenantId: tenant.id,
    audit: { action: 'tenant.updated', target: { type: 'tenant', id: tenant.id }, changes: input },
    response: json(200, tenantJson(updated, req)),
  });
}

/**
 * DELETE /admin/tenants/{tenantId} — operator only. The tenant item goes first, in one transaction with a
 * tombstone: from that moment every endpoint of the issuer is 404, so no session, code, grant or token of the tenant
 * works any more. Then every other item of the tenant is purged (docs/ADMIN-API.md: what and how long).
 */
async function deleteTenant(ctx: AdminContext) {
  const { req, store, now } = ctx;
  const id = req.params.tenantId ?? '';
  const tenant = await findTenantOf(req, store);
  const purge = async () => {
    const removed = await store.tenants.purgeTenant(id);
    logger.info('tenant purged', { tenantId: id, items: removed, traceId: req.traceId });
    return json(200, { id, deleted: true, purged: true, items_removed: removed });
  };
  if (!tenant) {
    // Deleted before: DELETE again runs the purge again (it did not finish, or a request in flight at the deletion
    // wrote something after it had passed).
    if (await store.tenants.isDeleted(id)) return purge();
    throw new NotFound('No such tenant.');
  }
  return change({
    parts: store.tenants.deleteTenant(tenant.id, now),
    // The tenant's own log is purged with it: the deletion is recorded in the platform log (GET /admin/audit-log).
    auditTenantId: PLATFORM_AUDIT_LOG,
    audit: { action: 'tenant.deleted', target: { type: 'tenant', id: tenant.id }, changes: { name: tenant.name } },
    // What the caller gets if the purge fails after the deletion committed: DELETE again finishes it.
    response: json(200, { id: tenant.id, deleted: true, purged: false, items_removed: 0 }),
    after: purge,
  });
}

export const handler = createAdminHandler({ GET: getTenant, PATCH: patchTenant, DELETE: deleteTenant });
