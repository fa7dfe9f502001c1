import { epochSeconds } from '../core/clock.ts';
import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../core/errors.ts';
import type { HttpRequest } from '../core/http/types.ts';
import { issuerOf } from '../core/issuer.ts';
import { checkPkce } from '../core/oidc/pkce.ts';
import { hasScope, narrowScope } from '../core/oidc/scopes.ts';
import { lifetimesOf, mintTokens, newRefreshToken, type TokenSet } from '../core/oidc/token-minting.ts';
import type { Signer } from '../core/signer/signer.ts';
import type { Client } from '../core/store/clients.ts';
import type { Store } from '../core/store/store.ts';
import { isTransactionConditionFailed } from '../core/store/table.ts';
import type { Tenant } from '../core/store/tenants.ts';
import type { Grant, RefreshToken } from '../core/store/tokens.ts';
import { isUserActive } from '../core/store/users.ts';

export interface GrantContext {
  readonly req: HttpRequest;
  readonly store: Store;
  readonly signer: Signer;
  readonly tenant: Tenant;
  readonly client: Client;
  /**
   * For the refresh_token grant: the presented token (when it parses), its family id, and both items as the handler
   * read them with the tenant and the client (one BatchGetItem).
   */
  readonly refresh?: {
    readonly grantId: string;
    readonly token: RefreshToken | undefined;
    readonly grant: Grant | undefined;
  };
}

function param(req: HttpRequest, name: string): string {
  const value = req.form[name];
  if (!value) throw new InvalidRequest(`The ${name} parameter is required.`);
  return value;
}

function refreshTokenFor(ctx: GrantContext, grant: Grant, scope: string, now: number) {
  const raw = newRefreshToken(grant.grantId);
  const token: RefreshToken = {
    tenantId: ctx.tenant.id,
    grantId: grant.grantId,
    clientId: ctx.client.clientId,
    scope,
    state: 'active',
    expiresAt: Math.min(grant.expiresAt, now + lifetimesOf(ctx.tenant, ctx.client).refreshTokenTtlSeconds),
  };
  return { raw, token };
}

/** RFC 6749 §4.1.3 with RFC 7636 §4.6. */
export async function exchangeAuthorizationCode(ctx: GrantContext): Promise<TokenSet> {
  const { req, store, tenant, client } = ctx;
  const rawCode = param(req, 'code');
  const redirectUri = param(req, 'redirect_uri');
  const verifier = req.form.code_verifier;
  if (!verifier) throw new InvalidRequest('code_verifier is required (PKCE, RFC 7636).');

  const result = await store.codes.consumeCode(tenant.id, rawCode);
  if (result.status === 'unknown') throw new InvalidGrant('The authorization code is invalid or expired.');
  if (result.status === 'replayed') {
    // RFC 6749 §4.1.2 / §10.5: a code used twice revokes everything issued from it — including tokens the first
    // redemption is still minting: the revocation is recorded even before that family exists, which is then
    // created revoked.
    await store.tokens.revokeGrantOfReplayedCode(
      { tenantId: tenant.id, grantId: result.code.grantId, clientId: result.code.clientId, userId: result.code.userId },
      result.code.expiresAt,
    );
    throw new InvalidGrant('The authorization code was already used.');
  }
  const code = result.code;
  const now = epochSeconds(store.clock);
  if (code.clientId !== client.clientId) throw new InvalidGrant('The authorization code was issued to another client.');
  if (code.expiresAt <= now) throw new InvalidGrant('The authorization code is invalid or expired.');
  if (code.redirectUri !== redirectUri)
    throw new InvalidGrant('redirect_uri does not match the authorization request.');
  checkPkce(verifier, code.codeChallenge);

  const user = await store.users.findUser(tenant.id, code.userId);
  if (!user) throw new InvalidGrant('The user no longer exists.');
  // Suspended, or signed out everywhere after the sign-in that produced this code.
  if (!isUserActive(user, code.authTime)) throw new InvalidGrant('The user is suspended or was signed out.');

  const offline = hasScope(code.scope, 'offline_access') && client.grantTypes.includes('refresh_token');
  const lifetimes = lifetimesOf(tenant, client);
  const grant: Grant = {
    tenantId: tenant.id,
    grantId: code.grantId,
    clientId: client.clientId,
    userId: user.userId,
    scope: code.scope,
    authTime: code.authTime,
    amr: code.amr,
    createdAt: now,
    expiresAt: now + (offline ? lifetimes.refreshTokenTtlSeconds : lifetimes.accessTokenTtlSeconds) + 60,
  };
  const refresh = offline ? refreshTokenFor(ctx, grant, code.scope, now) : undefined;
  try {
    await store.tokens.createGrant(grant, refresh);
  } catch (error) {
    // Another family under the same id (a grant-id collision): refuse rather than mix two families.
    if (isTransactionConditionFailed(error)) throw new InvalidGrant('The authorization code is invalid or expired.');
    throw error;
  }
  return mintTokens({
    signer: ctx.signer,
    issuer: issuerOf(req, tenant.id),
    tenant,
    client,
    grant,
    user,
    scope: code.scope,
    now,
    nonce: code.nonce,
    refreshToken: refresh?.raw,
  });
}

/**
 * RFC 6749 §6 with rotation and reuse detection (OAuth 2.1 §4.3.1, Security BCP §4.14): every use returns a
 * new refresh token; presenting a rotated one outside the tenant's grace window revokes the whole family.
 */
export async function refreshTokens(ctx: GrantContext): Promise<TokenSet> {
  const { req, store, tenant, client } = ctx;
  const raw = param(req, 'refresh_token');
  if (!ctx.refresh) throw new InvalidGrant('The refresh token is invalid.'); // not one of ours: no family id in it
  const { token, grant } = ctx.refresh;
  const now = epochSeconds(store.clock);
  if (!token || !grant || token.expiresAt <= now) throw new InvalidGrant('The refresh token is invalid or expired.');
  if (token.clientId !== client.clientId) throw new InvalidGrant('The refresh token was issued to another client.');
  if (grant.revokedAt !== undefined) throw new InvalidGrant('The refresh token has been revoked.');
  if (!client.grantTypes.includes('refresh_token'))
    throw new UnauthorizedClient('The client may not use refresh tokens.');

  const scope = narrowScope(req.form.scope, token.scope);
  const next = refreshTokenFor(ctx, grant, token.scope, now);
  const [outcome, user] = await Promise.all([
    store.tokens.rotateRefreshToken(tenant.id, raw, next, tenant.settings.refreshGraceSeconds),
    store.users.findUser(tenant.id, grant.userId),
  ]);
  if (outcome === 'reused') {
    await store.tokens.revokeGrant(grant, 'reuse_detected');
    throw new InvalidGrant('The refresh token was already used; the session has been revoked.');
  }
  if (outcome === 'revoked') throw new InvalidGrant('The refresh token has been revoked.');
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
    grant,
    user,
    scope,
    now,
    refreshToken: next.raw,
  });
}
