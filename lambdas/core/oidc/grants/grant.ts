import type { ActionOutcome } from '../../actions/rules.ts';
import { epochSeconds } from '../../clock.ts';
import { InvalidGrant, InvalidRequest } from '../../errors.ts';
import type { HttpRequest } from '../../http/types.ts';
import { issuerOf } from '../../issuer.ts';
import type { Signer } from '../../signer/signer.ts';
import type { Client } from '../../store/clients.ts';
import type { Resource } from '../../store/resources.ts';
import type { Store } from '../../store/store.ts';
import { type Item, isTransactionConditionFailed, type Key } from '../../store/table.ts';
import type { Tenant } from '../../store/tenants.ts';
import type { Grant, RefreshToken } from '../../store/tokens.ts';
import type { User } from '../../store/users.ts';
import type { GrantType } from '../grant-types.ts';
import { hasScope } from '../scopes.ts';
import { accessTokenTarget, lifetimesOf, mintTokens, newRefreshToken, type TokenSet } from '../token-minting.ts';

/** What the token endpoint has established before a grant runs: an authenticated client allowed this grant. */
export interface GrantContext {
  readonly req: HttpRequest;
  readonly store: Store;
  readonly signer: Signer;
  readonly tenant: Tenant;
  readonly client: Client;
  /** The items of the module's `preload` keys, in order (undefined: absent), read with the tenant and client. */
  readonly preloaded: readonly (Item | undefined)[];
}

export interface GrantParameter {
  readonly name: string;
  /** Missing → invalid_request with `missing` (or a standard message). */
  readonly required?: boolean;
  readonly missing?: string;
}

/**
 * One grant type (RFC 6749 §4, and extensions): the parameters it reads and its handler. The token endpoint runs the
 * shared checks (client authentication, this grant allowed for the client, no repeated parameter, the required
 * parameters present) and dispatches here. Other parameters are ignored (RFC 6749 §3.2).
 */
export interface GrantModule {
  readonly grantType: GrantType;
  readonly parameters: readonly GrantParameter[];
  /** Keys read in the token endpoint's one BatchGetItem with the tenant and the client (e.g. a refresh token). */
  preload?(req: HttpRequest, tenantId: string): readonly Key[];
  handle(ctx: GrantContext): Promise<TokenSet>;
}

/** The value of a parameter the module declared required (the endpoint checked it is present). */
export function param(req: HttpRequest, name: string): string {
  const value = req.form[name];
  if (!value) throw new InvalidRequest(`The ${name} parameter is required.`);
  return value;
}

/** A new refresh token of `grant`, living at most as long as the family and the client's refresh lifetime. */
export function refreshTokenFor(ctx: GrantContext, grant: Grant, scope: string, now: number) {
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

/**
 * A signed-in user's new token family, as an authorization code or an approved device code start it: the grant, its
 * first refresh token when `offline_access` was granted and the client has the refresh grant, and the tokens. Without
 * a refresh token the family lives as long as its access token (whose validity checks read it). A family already under
 * the id (an id collision) is refused with `collision` rather than two families mixed.
 */
export async function startUserFamily(
  ctx: GrantContext,
  input: {
    grantId: string;
    user: User;
    scope: string;
    resource: Resource | undefined;
    authTime: number;
    amr: readonly string[];
    acr?: string | undefined;
    nonce?: string | undefined;
    action?: ActionOutcome | undefined;
    collision: string;
  },
): Promise<TokenSet> {
  const { req, store, tenant, client } = ctx;
  const now = epochSeconds(store.clock);
  // A step-up action's answer is one access token: it never starts a refresh token's long life.
  const offline =
    input.action === undefined &&
    hasScope(input.scope, 'offline_access') &&
    client.grantTypes.includes('refresh_token');
  const lifetimes = lifetimesOf(tenant, client);
  const grant: Grant = {
    tenantId: tenant.id,
    grantId: input.grantId,
    clientId: client.clientId,
    userId: input.user.userId,
    scope: input.scope,
    ...(input.resource ? { resource: input.resource.identifier } : {}),
    authTime: input.authTime,
    amr: input.amr,
    ...(input.acr !== undefined ? { acr: input.acr } : {}),
    ...(input.action ? { action: input.action } : {}),
    createdAt: now,
    expiresAt:
      now + (offline ? lifetimes.refreshTokenTtlSeconds : accessTokenTarget(tenant, client, input.resource).ttl) + 60,
  };
  const refresh = offline ? refreshTokenFor(ctx, grant, input.scope, now) : undefined;
  try {
    await store.tokens.createGrant(grant, refresh);
  } catch (error) {
    if (isTransactionConditionFailed(error)) throw new InvalidGrant(input.collision);
    throw error;
  }
  return mintTokens({
    signer: ctx.signer,
    issuer: issuerOf(req, tenant.id),
    tenant,
    client,
    subject: { kind: 'user', user: input.user, grant, nonce: input.nonce, refreshToken: refresh?.raw },
    scope: input.scope,
    now,
    resource: input.resource,
  });
}

export type { TokenSet };
