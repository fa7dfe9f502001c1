import { NotFound } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { requireTenant } from '../issuer.ts';
import { allPages } from '../store/paging.ts';
import type { Session } from '../store/sessions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { commit } from '../store/transaction.ts';
import type { Passkey, User } from '../store/users.ts';
import { isoTime } from './endpoint.ts';

/** The admin API's view of a user. */
export function userJson(user: User) {
  return {
    id: user.userId,
    email: user.email,
    email_verified: user.emailVerified,
    given_name: user.givenName,
    family_name: user.familyName,
    roles: user.roles,
    suspended: user.suspended ?? false,
    created_at: isoTime(user.createdAt),
    sessions_revoked_at: user.sessionsRevokedAt !== undefined ? isoTime(user.sessionsRevokedAt) : null,
  };
}

export function passkeyJson(passkey: Passkey) {
  return {
    id: passkey.credentialId,
    /** Keyway does not ask users to name passkeys yet: the name says what kind of passkey it is. */
    name: passkey.deviceType === 'multiDevice' ? 'Synced passkey' : 'Device-bound passkey',
    created_at: isoTime(passkey.createdAt),
    last_used_at: passkey.lastUsedAt !== undefined ? isoTime(passkey.lastUsedAt) : null,
    transports: passkey.transports ?? [],
    backed_up: passkey.backedUp,
    device_type: passkey.deviceType,
  };
}

export function sessionJson(session: Session) {
  return {
    id: session.id ?? null,
    authenticated_at: isoTime(session.authTime),
    expires_at: isoTime(session.expiresAt),
    amr: session.amr,
  };
}

/** The tenant and the user named by the path, or 404. */
export async function requireUser(req: HttpRequest, store: Store): Promise<{ tenant: Tenant; user: User }> {
  const tenant = await requireTenant(req, store);
  const user = await store.users.findUser(tenant.id, req.params.userId ?? '');
  if (!user) throw new NotFound('No such user.');
  return { tenant, user };
}

/**
 * After a sign-out everywhere, a suspension or a deletion has committed (which already made everything of the user
 * unusable, see isUserActive): ends the user's sessions and revokes their token families for good, so nothing comes
 * back on unsuspension and the listings are truthful. With `passkeys`, removes the passkeys too (deletion).
 */
export async function endUserSessions(
  store: Store,
  user: User,
  options: { passkeys?: boolean } = {},
): Promise<undefined> {
  const { tenantId, userId } = user;
  for (const grantId of await store.tokens.listUserGrantIds(tenantId, userId))
    await store.tokens.revokeGrant(tenantId, grantId, 'admin');
  for (const s of await allPages((page) => store.sessions.listUserSessions(tenantId, userId, page)))
    if (s.id) await store.sessions.deleteSessionById(tenantId, s.id);
  if (!options.passkeys) return undefined;
  for (const passkey of await store.users.listPasskeys(tenantId, userId)) {
    await commit(store.table, [store.users.deletePasskey(tenantId, userId, passkey.credentialId)]).catch((error) => {
      if (!(error instanceof NotFound)) throw error; // removed meanwhile
    });
  }
  return undefined;
}
