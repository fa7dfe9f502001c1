import { InvalidGrant, InvalidTarget } from '../../errors.ts';
import { isUserActive } from '../../store/users.ts';
import { s256Challenge } from '../pkce.ts';
import { grantResource, isResourceIdentifier } from '../resources.ts';
import { type GrantContext, type GrantModule, param, startUserFamily } from './grant.ts';

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
  const [user, resource] = await Promise.all([
    store.users.findUser(tenant.id, code.userId),
    grantResource(store, client, code.resource),
  ]);
  if (!user) throw new InvalidGrant('The user no longer exists.');
  // Suspended, or signed out everywhere after the sign-in that produced this code.
  if (!isUserActive(user, code.authTime)) throw new InvalidGrant('The user is suspended or was signed out.');

  return startUserFamily(ctx, {
    grantId: code.grantId,
    user,
    scope: code.scope,
    resource,
    authTime: code.authTime,
    amr: code.amr,
    acr: code.acr,
    nonce: code.nonce,
    action: code.action,
    collision: 'The authorization code is invalid or expired.',
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
