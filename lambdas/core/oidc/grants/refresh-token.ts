import { epochSeconds } from '../../clock.ts';
import { sha256 } from '../../crypto.ts';
import { InvalidGrant } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import { keys } from '../../store/keys.ts';
import { toGrant, toRefreshToken } from '../../store/tokens.ts';
import { isUserActive } from '../../store/users.ts';
import { checkSameResource, grantResource } from '../resources.ts';
import { narrowScope } from '../scopes.ts';
import { grantIdOfRefreshToken, mintTokens } from '../token-minting.ts';
import { type GrantContext, type GrantModule, param, refreshTokenFor } from './grant.ts';

/**
 * RFC 6749 §6 with rotation and reuse detection (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): every use returns a new
 * refresh token; presenting a rotated one outside the tenant's grace window revokes the whole family. Inside the
 * window (two tabs, a retried request) the rotated token yields exactly one more successor, never a new branch per
 * retry; 0 seconds turns the window off.
 */
async function refreshTokens(ctx: GrantContext) {
  const { req, store, tenant, client } = ctx;
  const raw = param(req, 'refresh_token');
  const [tokenItem, grantItem] = ctx.preloaded;
  // Not one of ours (no family id in it), unknown, or its family is gone.
  if (!grantIdOfRefreshToken(raw)) throw new InvalidGrant('The refresh token is invalid.');
  const token = tokenItem ? toRefreshToken(tokenItem) : undefined;
  const grant = grantItem ? toGrant(grantItem) : undefined;
  const now = epochSeconds(store.clock);
  if (!token || !grant || token.expiresAt <= now) throw new InvalidGrant('The refresh token is invalid or expired.');
  if (token.clientId !== client.clientId) throw new InvalidGrant('The refresh token was issued to another client.');
  if (grant.revokedAt !== undefined) throw new InvalidGrant('The refresh token has been revoked.');

  const scope = narrowScope(req.form.scope, token.scope);
  // RFC 8707 §2.2: a refresh may name only the resource the family was issued for.
  checkSameResource(req.form.resource, grant.resource);
  const next = refreshTokenFor(ctx, grant, token.scope, now);
  const [outcome, user, resource] = await Promise.all([
    store.tokens.rotateRefreshToken(tenant.id, raw, next, tenant.settings.refreshGraceSeconds),
    store.users.findUser(tenant.id, grant.userId),
    grantResource(store, client, grant.resource),
  ]);
  if (outcome === 'reused') {
    await store.tokens.revokeGrant(grant, 'reuse_detected');
    throw new InvalidGrant('The refresh token was already used; the session has been revoked.');
  }
  if (outcome === 'grace-spent')
    throw new InvalidGrant('The refresh token was already used; use the refresh token issued in its place.');
  if (outcome === 'revoked') throw new InvalidGrant('The refresh token has been revoked.');
  if (outcome === 'expired') throw new InvalidGrant('The refresh token is invalid or expired.');
  if (!user) {
    await store.tokens.revokeGrant(grant, 'user_deleted');
    throw new InvalidGrant('The user no longer exists.');
  }
  if (!isUserActive(user, grant.authTime)) throw new InvalidGrant('The user is suspended or was signed out.');
  return mintTokens({
    signer: ctx.signer,
    issuer: issuerOf(req, tenant.id),
    tenant,
    client,
    subject: { kind: 'user', user, grant, refreshToken: next.raw },
    scope,
    now,
    resource,
  });
}

export const refreshToken: GrantModule = {
  grantType: 'refresh_token',
  parameters: [{ name: 'refresh_token', required: true }, { name: 'scope' }, { name: 'resource' }],
  /** The presented token and its family (the family id is part of the token): read with the tenant and client. */
  preload(req, tenantId) {
    const raw = req.form.refresh_token;
    const grantId = raw ? grantIdOfRefreshToken(raw) : undefined;
    return raw && grantId ? [keys.refreshToken(tenantId, sha256(raw)), keys.grant(tenantId, grantId)] : [];
  },
  handle: refreshTokens,
};
