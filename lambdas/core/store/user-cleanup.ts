import { NotFound } from '../errors.ts';
import type { TokenRevocationReason } from '../events/catalog.ts';
import { allPages } from './paging.ts';
import type { Store } from './store.ts';
import { commit } from './transaction.ts';
import type { User } from './users.ts';

/**
 * After a sign-out everywhere, a suspension or a deletion has committed (which already made everything of the user
 * unusable, see isUserActive): ends the user's sessions and revokes their token families for good, so nothing comes
 * back on unsuspension and the listings are truthful. With `passkeys`, removes the passkeys too (deletion).
 */
export async function endUserSessions(
  store: Store,
  user: User,
  options: { passkeys?: boolean; reason?: TokenRevocationReason } = {},
): Promise<undefined> {
  const { tenantId, userId } = user;
  // With the passkeys: the user was deleted. Otherwise an administrator (or the user, on the account page) suspended
  // or signed them out.
  const reason = options.reason ?? (options.passkeys ? 'user_deleted' : 'admin');
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
