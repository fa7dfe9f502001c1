import type { InitialAccessToken } from '../store/initial-access-tokens.ts';
import { isoTime } from '../views.ts';

/**
 * Initial access tokens (RFC 7591 §3): `kw_iat_{16 of a-z0-9}.{43 base64url characters = 32 random bytes}`. The
 * prefix makes leaks greppable; the id part (`iat_…`, not secret) finds the token with one GetItem under the tenant
 * of the registration endpoint's path, so another tenant's token is simply unknown there.
 */
export const INITIAL_ACCESS_TOKEN_ID_PATTERN = /^iat_[a-z0-9]{16}$/;
export const INITIAL_ACCESS_TOKEN_PATTERN = /^kw_(iat_[a-z0-9]{16})\.[A-Za-z0-9_-]{43}$/;

/** The admin API's view of an initial access token: never the token or its hash. */
export function initialAccessTokenJson(token: InitialAccessToken) {
  return {
    id: token.tokenId,
    description: token.description,
    created_at: isoTime(token.createdAt),
    created_by: token.createdBy,
    expires_at: isoTime(token.expiresAt),
    max_uses: token.maxUses ?? null,
    uses: token.uses,
    allowed_redirect_hosts: token.constraints.allowedRedirectHosts ?? null,
    grant_types: token.constraints.grantTypes ?? null,
    first_party: token.constraints.firstParty,
    revoked_at: token.revokedAt !== undefined ? isoTime(token.revokedAt) : null,
  };
}
