import { createHash, randomBytes } from 'node:crypto';
import { base64url } from 'jose';
import type { Signer } from '../signer/signer.ts';
import type { Client } from '../store/clients.ts';
import type { Resource } from '../store/resources.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Grant } from '../store/tokens.ts';
import type { User } from '../store/users.ts';
import type { ActClaim } from './access-token.ts';
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

/**
 * RFC 6749 §4.4.3: the client's own access token (RFC 9068 JWT). `sub` is the client id (RFC 9068 §2.2), the
 * `client_type` claim tells machines from people; no refresh token and no ID token (there is no user).
 */
export async function mintClientToken(input: {
  signer: Signer;
  issuer: string;
  tenant: Tenant;
  client: Client;
  scope: string;
  now: number;
  resource?: Resource | undefined;
}): Promise<TokenSet> {
  const { signer, issuer, tenant, client, scope, now } = input;
  const { aud, ttl } = accessTokenTarget(tenant, client, input.resource);
  const accessToken = await signer.sign(
    { typ: 'at+jwt' },
    {
      iss: issuer,
      sub: client.clientId,
      aud,
      exp: now + ttl,
      iat: now,
      nbf: now,
      jti: newClientJti(),
      client_id: client.clientId,
      client_type: client.clientType ?? 'service',
      scope,
      tenant_id: tenant.id,
    },
  );
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope };
}

/** The claims of an access token for a user (RFC 9068 §2.2), from a family of theirs. */
function userAccessClaims(input: {
  issuer: string;
  tenant: Tenant;
  client: Client;
  grant: Grant;
  user: User;
  scope: string;
  now: number;
  aud: string;
  ttl: number;
}): Record<string, unknown> {
  const { user, scope, now } = input;
  return {
    iss: input.issuer,
    sub: user.userId,
    aud: input.aud,
    exp: now + input.ttl,
    iat: now,
    nbf: now,
    jti: newJti(input.grant.grantId),
    client_id: input.client.clientId,
    scope,
    tenant_id: input.tenant.id,
    auth_time: input.grant.authTime,
    roles: user.roles,
    ...(hasScope(scope, 'email') ? { email: user.email } : {}),
  };
}

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * RFC 8693 §2.2.1: a delegated access token from a token exchange — the user's (`sub`), with `act` naming the client
 * that acts (nested for an exchange of an exchanged token, §4.1), in the delegated family `grant`. No refresh token,
 * no ID token.
 */
export async function mintDelegatedToken(input: {
  signer: Signer;
  issuer: string;
  tenant: Tenant;
  client: Client;
  grant: Grant;
  user: User;
  scope: string;
  now: number;
  aud: string;
  ttl: number;
  act: ActClaim;
}): Promise<TokenSet> {
  // Scopes narrow, roles would not: the user's roles stay out of what an agent carries.
  const { roles: _roles, ...claims } = userAccessClaims(input);
  const accessToken = await input.signer.sign({ typ: 'at+jwt' }, { ...claims, act: input.act });
  return {
    access_token: accessToken,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: input.ttl,
    scope: input.scope,
  };
}

/**
 * Signs the access token (RFC 9068 JWT) and, when `openid` was granted, the ID token (OIDC Core §2).
 * No ID-token signature is spent when the scope has no `openid`.
 */
export async function mintTokens(input: {
  signer: Signer;
  issuer: string;
  tenant: Tenant;
  client: Client;
  grant: Grant;
  user: User;
  scope: string;
  now: number;
  nonce?: string | undefined;
  refreshToken?: string | undefined;
  /** The grant's resource (RFC 8707), loaded by the caller: the access token's audience and lifetime. */
  resource?: Resource | undefined;
}): Promise<TokenSet> {
  const { signer, issuer, tenant, client, grant, user, scope, now } = input;
  const lifetimes = lifetimesOf(tenant, client);
  const { aud, ttl: accessTtl } = accessTokenTarget(tenant, client, input.resource);
  const accessToken = await signer.sign(
    { typ: 'at+jwt' },
    userAccessClaims({ issuer, tenant, client, grant, user, scope, now, aud, ttl: accessTtl }),
  );

  const tokens: TokenSet = { access_token: accessToken, token_type: 'Bearer', expires_in: accessTtl, scope };
  if (hasScope(scope, 'openid')) {
    tokens.id_token = await signer.sign(
      { typ: 'JWT' },
      {
        iss: issuer,
        sub: user.userId,
        aud: client.clientId,
        exp: now + lifetimes.idTokenTtlSeconds,
        iat: now,
        auth_time: grant.authTime,
        ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
        amr: grant.amr,
        at_hash: atHash(accessToken),
        tenant_id: tenant.id,
        ...userClaims(user, scope),
      },
    );
  }
  if (input.refreshToken) tokens.refresh_token = input.refreshToken;
  return tokens;
}
