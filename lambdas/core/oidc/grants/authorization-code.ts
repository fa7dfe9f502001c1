import { epochSeconds } from '../../clock.ts';
import { InvalidGrant, InvalidTarget } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import { isTransactionConditionFailed } from '../../store/table.ts';
import type { Grant } from '../../store/tokens.ts';
import { isUserActive } from '../../store/users.ts';
import { s256Challenge } from '../pkce.ts';
import { grantResource, isResourceIdentifier } from '../resources.ts';
import { hasScope } from '../scopes.ts';
import { accessTokenTarget, lifetimesOf, mintTokens } from '../token-minting.ts';
import { type GrantContext, type GrantModule, param, refreshTokenFor } from './grant.ts';

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.6. The code is spent only by a redemption that passes every check: client,
 * redirect URI and PKCE are conditions of the one UpdateItem that marks it used (store/codes.ts), so someone who saw
 * a code but cannot prove PKCE cannot burn it; only its own client presenting it again with the same proof counts as
 * a replay (and revokes what it granted).
 */
async function exchangeAuthorizationCode(ctx: GrantContext) {
  const { req, store, tenant, client } = ctx;
  const redirectUri = param(req, 'redirect_uri');
  if (req.form.resource !== undefined && !isResourceIdentifier(req.form.resource))
    throw new InvalidTarget('The resource must be an absolute URI without a fragment (RFC 8707 §2).');
  const challenge = s256Challenge(param(req, 'code_verifier'));
  const result = await store.codes.redeemCode(tenant.id, param(req, 'code'), {
    clientId: client.clientId,
    redirectUri,
    codeChallenge: challenge,
    resource: req.form.resource,
  });
  switch (result.status) {
    case 'unknown':
      throw new InvalidGrant('The authorization code is invalid or expired.');
    case 'other-client':
      throw new InvalidGrant('The authorization code was issued to another client.');
    case 'redirect-mismatch':
      throw new InvalidGrant('redirect_uri does not match the authorization request.');
    case 'pkce-mismatch':
      throw new InvalidGrant('The code_verifier does not match the code_challenge.');
    case 'resource-mismatch':
      throw new InvalidTarget('The token request may only name the resource that was authorized (RFC 8707 §2.2).');
    case 'replayed':
      // RFC 6749 §4.1.2 / §10.5: its own client presented a used code: everything issued from it is revoked —
      // including tokens the first redemption is still minting (the revocation is recorded even before that family
      // exists, which is then created revoked).
      await store.tokens.revokeGrantOfReplayedCode(
        { tenantId: tenant.id, grantId: result.code.grantId, clientId: client.clientId, userId: result.code.userId },
        result.code.expiresAt,
      );
      throw new InvalidGrant('The authorization code was already used.');
  }
  const code = result.code;
  const now = epochSeconds(store.clock);
  const [user, resource] = await Promise.all([
    store.users.findUser(tenant.id, code.userId),
    grantResource(store, client, code.resource),
  ]);
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
    ...(code.resource !== undefined ? { resource: code.resource } : {}),
    authTime: code.authTime,
    amr: code.amr,
    createdAt: now,
    // Without a refresh token the family lives as long as its access token (whose validity checks read it).
    expiresAt:
      now + (offline ? lifetimes.refreshTokenTtlSeconds : accessTokenTarget(tenant, client, resource).ttl) + 60,
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
    subject: { kind: 'user', user, grant, nonce: code.nonce, refreshToken: refresh?.raw },
    scope: code.scope,
    now,
    resource,
  });
}

export const authorizationCode: GrantModule = {
  grantType: 'authorization_code',
  parameters: [
    { name: 'code', required: true },
    { name: 'redirect_uri', required: true },
    { name: 'code_verifier', required: true, missing: 'code_verifier is required (PKCE, RFC 7636).' },
    { name: 'resource' },
  ],
  handle: exchangeAuthorizationCode,
};
