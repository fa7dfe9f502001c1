import { type AdminContext, change, createAdminHandler, jsonBody } from '../core/admin/endpoint.ts';
import { PatchUser } from '../core/admin/schemas.ts';
import { endUserSessions, requireUser } from '../core/admin/users.ts';
import { InvalidRequest } from '../core/errors.ts';
import type { EventInput } from '../core/events/catalog.ts';
import { json } from '../core/http/types.ts';
import { roleChanges } from '../core/store/roles.ts';
import type { User } from '../core/store/users.ts';
import { parseInput } from '../core/validation.ts';
import { userJson } from '../core/views.ts';

/** GET /admin/tenants/{tenantId}/users/{userId} */
async function getUser({ req, store }: AdminContext) {
  return json(200, userJson((await requireUser(req, store)).user));
}

/**
 * PATCH /admin/tenants/{tenantId}/users/{userId} — profile claims, roles and `suspended`. Suspension takes effect
 * with this write: sign-in is refused, refresh is invalid_grant, introspection inactive, userinfo 401, and the
 * user's sessions and families are ended (also marked so that unsuspending brings none of them back).
 */
async function patchUser({ req, store, now, nowMs }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  const input = parseInput(PatchUser, jsonBody(req, 'the fields to change'));
  if (Object.keys(input).length === 0) throw new InvalidRequest('Send at least one field to change.');
  const suspending = input.suspended === true && !user.suspended;
  const emailChanged = input.email !== undefined && input.email !== user.email;
  const { externalId: _previous, ...unchanged } = user;
  const externalId = input.external_id === undefined ? user.externalId : (input.external_id ?? undefined);
  const next: User = {
    ...unchanged,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
    // A new address is unverified unless the administrator says otherwise.
    emailVerified: input.email_verified ?? (emailChanged ? false : user.emailVerified),
    givenName: input.given_name ?? user.givenName,
    familyName: input.family_name ?? user.familyName,
    roles: input.roles ?? user.roles,
    suspended: input.suspended ?? user.suspended ?? false,
    ...(suspending ? { sessionsRevokedAt: now } : {}),
    updatedAt: nowMs,
  };
  const action = suspending
    ? 'user.suspended'
    : input.suspended === false && user.suspended
      ? 'user.unsuspended'
      : 'user.updated';
  const { suspended: _s, ...otherChanges } = input;
  const events: EventInput[] = [];
  if (Object.keys(otherChanges).length > 0 || (input.suspended === false && user.suspended))
    events.push({ type: 'user.updated', data: userJson(next) });
  if (suspending)
    events.push(
      { type: 'user.suspended', data: userJson(next) },
      { type: 'session.revoked', data: { user_id: user.userId, session_id: null, reason: 'suspended' } },
    );
  return change({
    parts: [...store.users.updateUser(user, next), ...roleChanges(store.roles, tenant.id, user.roles, next.roles)],
    auditTenantId: tenant.id,
    audit: { action, target: { type: 'user', id: user.userId }, changes: input },
    events,
    response: json(200, userJson(next)),
    ...(suspending ? { after: () => endUserSessions(store, next) } : {}),
  });
}

/**
 * DELETE /admin/tenants/{tenantId}/users/{userId} — the account and its email claim go in one transaction (from then
 * on nothing of the user works: every token path reads the user); passkeys, sessions and families are removed after.
 */
async function deleteUser({ req, store }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  return change({
    parts: [...store.users.deleteUser(user), ...roleChanges(store.roles, tenant.id, user.roles, [])],
    auditTenantId: tenant.id,
    audit: { action: 'user.deleted', target: { type: 'user', id: user.userId }, changes: { email: user.email } },
    events: [
      { type: 'user.deleted', data: userJson(user) },
      { type: 'session.revoked', data: { user_id: user.userId, session_id: null, reason: 'deleted' } },
    ],
    response: json(200, { id: user.userId, deleted: true }),
    after: () => endUserSessions(store, user, { passkeys: true }),
  });
}

export const handler = createAdminHandler({ GET: getUser, PATCH: patchUser, DELETE: deleteUser });
