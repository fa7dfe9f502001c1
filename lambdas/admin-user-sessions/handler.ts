import { type AdminContext, change, createAdminHandler, pageQuery, pageResponse } from '../core/admin/endpoint.ts';
import { endUserSessions, requireUser } from '../core/admin/users.ts';
import { json } from '../core/http/types.ts';
import { isUserActive, type User } from '../core/store/users.ts';
import { sessionJson } from '../core/views.ts';

/** GET /admin/tenants/{tenantId}/users/{userId}/sessions — the user's live single-sign-on sessions. */
async function listSessions({ req, store, now }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  const page = await store.sessions.listUserSessions(tenant.id, user.userId, pageQuery(req));
  const live = page.items.filter((s) => s.expiresAt > now && isUserActive(user, s.authTime));
  return pageResponse({ ...page, items: live }, sessionJson);
}

/**
 * DELETE /admin/tenants/{tenantId}/users/{userId}/sessions — sign out everywhere. One write marks the moment
 * (`sessionsRevokedAt`), with its audit entry: every session and token family from before it is dead at once.
 * The sessions are then deleted and the families revoked (reason "admin").
 */
async function signOutEverywhere({ req, store, now, nowMs }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  const next: User = { ...user, sessionsRevokedAt: now, updatedAt: nowMs };
  return change({
    parts: store.users.updateUser(user, next),
    auditTenantId: tenant.id,
    audit: { action: 'user.sessions_revoked', target: { type: 'user', id: user.userId }, changes: {} },
    events: [{ type: 'session.revoked', data: { user_id: user.userId, session_id: null, reason: 'admin' } }],
    response: json(200, { id: user.userId, sessions_revoked_at: new Date(now * 1000).toISOString() }),
    after: () => endUserSessions(store, next),
  });
}

export const handler = createAdminHandler({ GET: listSessions, DELETE: signOutEverywhere });
