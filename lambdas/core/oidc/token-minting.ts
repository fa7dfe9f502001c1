import { createHash, randomBytes } from 'node:crypto';
import { base64url } from 'jose';
import type { Signer } from '../signer/signer.ts';
import type { Client } from '../store/clients.ts';
import type { Resource } from '../store/resources.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Grant } from '../store/tokens.ts';
import type { User } from '../store/users.ts';
import type { ActClaim } from './access-token.ts';
import { acrOfGrant } from './acr.ts';
import { hasScope } from './scopes.ts';

/** The access token's `jti` carries its family id, so one BatchGetItem answers "is it still valid?". */
export function newJti(grantId: string): string {
  return `${grantId}.${randomBytes(12).toString('base64url')}`;
}

export function grantIdOfJti(jti: unknown): string | undefined {
  if (typeof jti !== 'string' || isClientJti(jti)) return undefined;
  const dot = jti.indexOf('.');
  return dot > 0 ? jti.slice(0, dot) : undefined;
}

/**
 * A token a client got for itself (client_credentials) belongs to no family: its `jti` says so, and what keeps it
 * alive is its client (and not being revoked).
 */
const CLIENT_JTI_PREFIX = 'client.';
export function newClientJti(): string {
  return `${CLIENT_JTI_PREFIX}${randomBytes(16).toString('base64url')}`;
}
export function isClientJti(jti: unknown): boolean {
  return typeof jti === 'string' && jti.startsWith(CLIENT_JTI_PREFIX);
}

/** Refresh tokens are opaque: `{grantId}.{256 random bits}`; only their SHA-256 is stored. */
export function newRefreshToken(grantId: string): string {
  return `${grantId}.${randomBytes(32).toString('base64url')}`;
}

export function grantIdOfRefreshToken(token: string): string | undefined {
  const match = /^([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(token);
  return match?.[1];
}

/** OIDC Core §3.1.3.6: left half of the SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return base64url.encode(digest.subarray(0, digest.length / 2));
}

export function userClaims(user: User, scope: string): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (hasScope(scope, 'email')) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  if (hasScope(scope, 'profile')) {
    claims.given_name = user.givenName;
    claims.family_name = user.familyName;
    claims.name = `${user.givenName} ${user.familyName}`.trim();
  }
  return claims;
}

export interface TokenSet {
  access_token: string;
  /** RFC 8693 §2.2.1: what a token exchange issued. */
  issued_token_type?: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** Token lifetimes in effect for a client: its own where registered, else the tenant's. */
export function lifetimesOf(tenant: Tenant, client: Client) {
  return {
    accessTokenTtlSeconds: client.lifetimes?.accessTokenTtlSeconds ?? tenant.settings.accessTokenTtlSeconds,
    idTokenTtlSeconds: client.lifetimes?.idTokenTtlSeconds ?? tenant.settings.idTokenTtlSeconds,
    refreshTokenTtlSeconds: client.lifetimes?.refreshTokenTtlSeconds ?? tenant.settings.refreshTokenTtlSeconds,
  };
}

/**
 * Who an access token is for (its `aud`) and how long it lives: the resource it was requested for (RFC 8707), else the
 * client's legacy `audience` (or the client itself) with the client's or tenant's lifetime.
 */
export function accessTokenTarget(tenant: Tenant, client: Client, resource: Resource | undefined) {
  return {
    aud: resource?.identifier ?? client.audience ?? client.clientId,
    ttl: resource?.accessTokenTtlSeconds ?? lifetimesOf(tenant, client).accessTokenTtlSeconds,
  };
}

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Whom the tokens are for (RFC 9068 §2.2 `sub`):
 * - `user`: a person, from a family of theirs (authorization code, refresh, device code): an ID token when `openid`
 *   was granted (OIDC Core §2), and the family's refresh token when the grant made one;
 * - `delegated`: a person, for an agent that acts (RFC 8693 token exchange): `act` names it (nested, §4.1), the
 *   family is the delegated one; no ID token, no refresh token, scopes but never the user's `roles`;
 * - `client`: a client acting as itself (RFC 6749 §4.4.3): `sub` = the client id and `client_type` tells machines
 *   from people; no ID token, no refresh token (there is no user).
 */
export type TokenSubject =
  | {
      readonly kind: 'user';
      readonly user: User;
      readonly grant: Grant;
      readonly nonce?: string | undefined;
      readonly refreshToken?: string | undefined;
    }
  | { readonly kind: 'delegated'; readonly user: User; readonly grant: Grant; readonly act: ActClaim }
  | { readonly kind: 'client' };

/**
 * Signs the access token (RFC 9068 JWT) for `subject` and, for a signed-in user with `openid`, the ID token: the one
 * place every grant mints. `target` overrides the audience and lifetime (token exchange computes them itself);
 * otherwise they come from the resource (RFC 8707), else the client.
 */
export async function mintTokens(input: {
  signer: Signer;
  issuer: string;
  tenant: Tenant;
  client: Client;
  scope: string;
  now: number;
  subject: TokenSubject;
  resource?: Resource | undefined;
  target?: { readonly aud: string; readonly ttl: number };
}): Promise<TokenSet> {
  const { signer, issuer, tenant, client, scope, now, subject } = input;
  const { aud, ttl } = input.target ?? accessTokenTarget(tenant, client, input.resource);
  // OIDC Core §2 / RFC 9470 §3: how the user signed in, for resource servers that require a class (or a recent sign-in).
  const acr = subject.kind === 'client' ? undefined : acrOfGrant(subject.grant);
  // A step-up action that ended without a passed ceremony (ALLOW, BLOCK, Cancel) is no sign-in: no auth_time, no roles.
  const action = subject.kind === 'client' ? undefined : subject.grant.action;
  const signedIn = action === undefined || action.state === 'CHALLENGE_SUCCEEDED';
  const common = { iss: issuer, aud, exp: now + ttl, iat: now, nbf: now, client_id: client.clientId, scope };
  const claims: Record<string, unknown> =
    subject.kind === 'client'
      ? {
          ...common,
          sub: client.clientId,
          jti: newClientJti(),
          client_type: client.clientType ?? 'service',
          tenant_id: tenant.id,
        }
      : {
          ...common,
          sub: subject.user.userId,
          jti: newJti(subject.grant.grantId),
          tenant_id: tenant.id,
          ...(signedIn ? { auth_time: subject.grant.authTime } : {}),
          ...(acr ? { acr } : {}),
          // Scopes narrow for an agent; roles would not: they stay out of what it carries.
          ...(subject.kind === 'user' && signedIn ? { roles: subject.user.roles } : {}),
          ...(hasScope(scope, 'email') ? { email: subject.user.email } : {}),
          ...(subject.kind === 'delegated' ? { act: subject.act } : {}),
          // A step-up action's answer (init-auth): what happened, for the backend that asked.
          ...(subject.grant.action
            ? {
                action: subject.grant.action.name,
                action_state: subject.grant.action.state,
                action_id: subject.grant.action.id,
              }
            : {}),
        };
  const accessToken = await signer.sign({ typ: 'at+jwt' }, claims);
  const tokens: TokenSet = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope };
  if (subject.kind === 'delegated') tokens.issued_token_type = ACCESS_TOKEN_TYPE;
  if (subject.kind !== 'user') return tokens;

  const { user, grant } = subject;
  // An ID token says the user authenticated: not for an action that ended without a passed ceremony.
  if (hasScope(scope, 'openid') && signedIn) {
    tokens.id_token = await signer.sign(
      { typ: 'JWT' },
      {
        iss: issuer,
        sub: user.userId,
        aud: client.clientId,
        exp: now + lifetimesOf(tenant, client).idTokenTtlSeconds,
        iat: now,
        auth_time: grant.authTime,
        ...(acr ? { acr } : {}),
        ...(subject.nonce !== undefined ? { nonce: subject.nonce } : {}),
        amr: grant.amr,
        at_hash: atHash(accessToken),
        tenant_id: tenant.id,
        ...userClaims(user, scope),
      },
    );
  }
  if (subject.refreshToken) tokens.refresh_token = subject.refreshToken;
  return tokens;
}
