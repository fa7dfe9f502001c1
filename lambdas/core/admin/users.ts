import { NotFound } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { requireTenant } from '../issuer.ts';
import { allPages } from '../store/paging.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { commit } from '../store/transaction.ts';
import type { User } from '../store/users.ts';

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
  // With the passkeys: the user was deleted. Otherwise an administrator suspended or signed them out.
  const reason = options.passkeys ? 'user_deleted' : 'admin';
  for (const grant of await store.tokens.listUserGrants(tenantId, userId))
    await store.tokens.revokeGrant(grant, reason);
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
