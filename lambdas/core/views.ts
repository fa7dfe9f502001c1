import { acrOf } from './oidc/acr.ts';
import { passkeyLabel } from './passkeys/providers.ts';
import type { Session } from './store/sessions.ts';
import type { Passkey, User } from './store/users.ts';

/*
 * The JSON views of entities that both the admin API and events (webhooks, the feed) show, so a user in a
 * `user.created` event looks exactly like one from GET /admin/.../users/{id}.
 */

export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

/** The admin API's view of a user. */
export function userJson(user: User) {
  return {
    id: user.userId,
    email: user.email,
    email_verified: user.emailVerified,
    given_name: user.givenName,
    family_name: user.familyName,
    roles: user.roles,
    external_id: user.externalId ?? null,
    suspended: user.suspended ?? false,
    created_at: isoTime(user.createdAt),
    sessions_revoked_at: user.sessionsRevokedAt !== undefined ? isoTime(user.sessionsRevokedAt) : null,
  };
}

export function passkeyJson(passkey: Passkey) {
  return {
    id: passkey.credentialId,
    /** The name the user gave it on the account page, else its provider (by AAGUID), else its kind. */
    name: passkeyLabel(passkey),
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
    acr: acrOf(session.amr) ?? null,
  };
}
