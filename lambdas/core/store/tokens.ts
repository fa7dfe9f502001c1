import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ActionOutcome } from '../actions/rules.ts';
import { epochSeconds } from '../clock.ts';
import { sha256 } from '../crypto.ts';
import type { TokenRevocationReason } from '../events/catalog.ts';
import type { EventRepository } from './events.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { allPages, queryPage } from './paging.ts';
import { type Item, isTransactionConditionFailed, type Table } from './table.ts';
import { cancellationReasons, commit, sendTransaction } from './transaction.ts';

/** A token family: what one authorization code granted. Revoking it kills every token issued from it. */
export interface Grant {
  readonly tenantId: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scope: string;
  /** The resource (RFC 8707 identifier) the family's access tokens are for; absent: the client's audience. */
  readonly resource?: string;
  readonly authTime: number;
  readonly amr: readonly string[];
  /** The `acr` of the sign-in as issued (it may name a requested class the sign-in exceeded); absent: from `amr`. */
  readonly acr?: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly revokedAt?: number;
  readonly revokedReason?: string;
  /** Set on a family that answers a step-up action: its access token carries `action` and `action_state`. */
  readonly action?: ActionOutcome;
  /** Set on a family created by token exchange (RFC 8693): what it was derived from. */
  readonly delegation?: Delegation;
}

/**
 * The chain a delegated family hangs from, root first: each exchange appends the family and the access token it
 * consumed as subject, and the client that acted (with the actor token, when one was presented). Its tokens are live only
 * while every link is (store.ts liveDelegation): revoking any ancestor family, revoking a subject or actor token, or
 * deleting an acting client ends them. Bounded (MAX_DELEGATION_DEPTH), so the check is one BatchGetItem.
 */
export interface Delegation {
  readonly parents: readonly string[];
  /** The client of each ancestor family: deleting the app the user signed in to ends what was derived from it. */
  readonly parentClients: readonly string[];
  readonly parentJtis: readonly string[];
  readonly actors: readonly string[];
  readonly actorJtis: readonly string[];
}

/** Exchanges of exchanged tokens stop here: an agent of an agent of an agent. */
export const MAX_DELEGATION_DEPTH = 3;

export interface RefreshToken {
  readonly tenantId: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly scope: string;
  readonly state: 'active' | 'rotated';
  readonly rotatedAt?: number;
  readonly expiresAt: number;
}

/**
 * `grace`: a just-rotated token, re-presented inside the window, got the one successor the window allows;
 * `grace-spent`: that successor was already issued (a third tab, a retry storm) — refused, nothing revoked.
 */
export type RotateResult = 'rotated' | 'grace' | 'grace-spent' | 'reused' | 'revoked' | 'expired';

const CODE_REPLAYED = 'authorization code replayed';

/** What identifies a family in its `token.revoked` event. */
export type GrantRef = Pick<Grant, 'tenantId' | 'grantId' | 'clientId' | 'userId'>;
/** Whose access token it is: a family's (a user's), or a client's own (client_credentials: no family, no user). */
export type AccessTokenOwner = Pick<Grant, 'tenantId' | 'clientId'> & Partial<Pick<Grant, 'grantId' | 'userId'>>;

export class TokenRepository {
  constructor(
    private readonly table: Table,
    private readonly events: EventRepository,
  ) {}

  private revokedEvent(grant: AccessTokenOwner, reason: TokenRevocationReason, extra: Record<string, unknown> = {}) {
    return this.events.emit(
      grant.tenantId,
      {
        type: 'token.revoked',
        data: {
          grant_id: grant.grantId ?? null,
          client_id: grant.clientId,
          user_id: grant.userId ?? null,
          // The whole family: its refresh tokens and every access token issued from it.
          token_type: 'family',
          reason,
          ...extra,
        },
      },
      this.table.clock.now(),
    );
  }

  /**
   * Creates the token family and, when granted, its first refresh token, atomically. If a replay of the family's authorization code was seen before the family existed (revokeGrantOfReplayedCode
   * left its revocation under the grant key), the family is created already revoked: the redemption that won the
   * code still gets its answer, but nothing in it works — as if the replay had come a moment later.
   */
  async createGrant(grant: Grant, refreshToken?: { raw: string; token: RefreshToken }): Promise<void> {
    try {
      await this.writeGrant(grant, refreshToken, { ConditionExpression: 'attribute_not_exists(pk)' });
    } catch (error) {
      if (!isTransactionConditionFailed(error) || !reasonFailed(error, 0)) throw error;
      const revocation = await this.table.get(keys.grant(grant.tenantId, grant.grantId), true);
      if (revocation?.revokedReason !== CODE_REPLAYED || revocation.clientId !== undefined) throw error;
      await this.writeGrant(
        { ...grant, revokedAt: revocation.revokedAt as number, revokedReason: CODE_REPLAYED },
        refreshToken,
        {
          // Only over the revocation record, never over a family some other redemption created.
          ConditionExpression: 'revokedReason = :replayed AND attribute_not_exists(clientId)',
          ExpressionAttributeValues: { ':replayed': CODE_REPLAYED },
        },
      );
    }
  }

  private async writeGrant(
    grant: Grant,
    refreshToken: { raw: string; token: RefreshToken } | undefined,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  ): Promise<void> {
    await sendTransaction(this.table, {
      TransactItems: [
        {
          Put: {
            TableName: this.table.name,
            Item: {
              ...keys.grant(grant.tenantId, grant.grantId),
              ...keys.grantIndex(grant.tenantId, grant.userId, grant.grantId),
              type: 'grant',
              ...grant,
              ttl: grant.expiresAt,
            },
            ...condition,
          },
        },
        ...(refreshToken ? [{ Put: this.refreshTokenPut(refreshToken.raw, refreshToken.token) }] : []),
      ],
    });
  }

  private refreshTokenPut(raw: string, token: RefreshToken) {
    return {
      TableName: this.table.name,
      Item: {
        ...keys.refreshToken(token.tenantId, sha256(raw)),
        type: 'refresh_token',
        ...token,
        ttl: token.expiresAt,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  /** One round trip: the refresh token and its family (the grant id is part of the token). */
  async findRefreshToken(
    tenantId: string,
    raw: string,
    grantId: string,
  ): Promise<{ token?: RefreshToken; grant?: Grant }> {
    const [tokenItem, grantItem] = await this.table.batchGet([
      keys.refreshToken(tenantId, sha256(raw)),
      keys.grant(tenantId, grantId),
    ]);
    return {
      ...(tokenItem ? { token: strip<RefreshToken>(tokenItem) } : {}),
      ...(grantItem ? { grant: strip<Grant>(grantItem) } : {}),
    };
  }

  /**
   * Rotates `oldRaw` into `next`. The transaction's conditions close the races:
   * - the old token must still be `active` (two concurrent refreshes cannot both rotate it);
   * - the family must not be revoked (a reuse detected elsewhere wins over a late rotation).
   * A token rotated less than `graceSeconds` ago (in milliseconds, so 0 means no window at all) may be re-presented
   * once more: the grace path issues exactly one extra successor, claimed by a condition on the old token, so ten
   * retries inside the window make one more branch of the family, not ten (RFC 9700 §4.14.2).
   */
  async rotateRefreshToken(
    tenantId: string,
    oldRaw: string,
    next: { raw: string; token: RefreshToken },
    graceSeconds: number,
  ): Promise<RotateResult> {
    const now = epochSeconds(this.table.clock);
    const oldKey = keys.refreshToken(tenantId, sha256(oldRaw));
    const grantCheck = {
      ConditionCheck: {
        TableName: this.table.name,
        Key: keys.grant(tenantId, next.token.grantId),
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
      },
    };
    try {
      await sendTransaction(this.table, {
        TransactItems: [
          {
            Update: {
              TableName: this.table.name,
              Key: oldKey,
              UpdateExpression: 'SET #state = :rotated, rotatedAt = :now, rotatedAtMs = :nowMs',
              ConditionExpression: '#state = :active AND #ttl > :now',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ':rotated': 'rotated',
                ':active': 'active',
                ':now': now,
                ':nowMs': this.table.clock.now(),
              },
            },
          },
          { Put: this.refreshTokenPut(next.raw, next.token) },
          grantCheck,
        ],
      });
      return 'rotated';
    } catch (error) {
      if (!isTransactionConditionFailed(error)) throw error;
      if (reasonFailed(error, 2)) return 'revoked';
      // Still active: it failed on its expiry (a request in its last second), not because it was used before.
      if (cancelledItem(error, 0)?.state === 'active') return 'expired';
    }
    if (graceSeconds <= 0) return 'reused';
    // The old token was already rotated: inside the grace window one more successor is issued (two tabs, a retry).
    const sinceMs = this.table.clock.now() - graceSeconds * 1000;
    try {
      await sendTransaction(this.table, {
        TransactItems: [
          {
            Update: {
              TableName: this.table.name,
              Key: oldKey,
              UpdateExpression: 'SET graceUsedAt = :nowMs',
              // Tokens rotated before rotatedAtMs existed are judged by their whole-second rotatedAt.
              ConditionExpression:
                '#state = :rotated AND attribute_not_exists(graceUsedAt) AND (rotatedAtMs > :sinceMs OR (attribute_not_exists(rotatedAtMs) AND rotatedAt > :since))',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: {
                ':rotated': 'rotated',
                ':sinceMs': sinceMs,
                ':since': Math.floor(sinceMs / 1000),
                ':nowMs': this.table.clock.now(),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          { Put: this.refreshTokenPut(next.raw, next.token) },
          grantCheck,
        ],
      });
      return 'grace';
    } catch (error) {
      if (!isTransactionConditionFailed(error)) throw error;
      if (reasonFailed(error, 2)) return 'revoked';
      // Still inside the window, but its one extra successor was issued already: refused without revoking.
      const old = cancelledItem(error, 0);
      const rotatedAtMs = typeof old?.rotatedAtMs === 'number' ? old.rotatedAtMs : undefined;
      if (old?.graceUsedAt !== undefined && rotatedAtMs !== undefined && rotatedAtMs > sinceMs) return 'grace-spent';
      return 'reused';
    }
  }

  /**
   * Revokes a whole token family, with its `token.revoked` event in the same transaction. Idempotent: only the first
   * revocation writes (and emits); the first reason is kept.
   */
  async revokeGrant(grant: GrantRef, reason: TokenRevocationReason): Promise<void> {
    await commit(this.table, [
      {
        write: {
          Update: {
            TableName: this.table.name,
            Key: keys.grant(grant.tenantId, grant.grantId),
            UpdateExpression: 'SET revokedAt = :now, revokedReason = :reason',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
            ExpressionAttributeValues: { ':now': epochSeconds(this.table.clock), ':reason': reason },
          },
        },
        onConditionFailed: () => new AlreadyRevoked(),
      },
      ...this.revokedEvent(grant, reason),
    ]).catch((error: unknown) => {
      if (!(error instanceof AlreadyRevoked)) throw error;
    });
  }

  /** A family created by token exchange: no refresh token, its own id (its tokens' `jti` names it). */
  async createDelegatedGrant(grant: Grant): Promise<void> {
    await this.writeGrant(grant, undefined, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  /**
   * RFC 6749 §4.1.2: the code of `grantId` was presented twice. Revokes the family, or, when the first redemption
   * has not created it yet, records the revocation under its key, so that createGrant then creates the family
   * revoked instead of issuing tokens nobody revoked.
   */
  async revokeGrantOfReplayedCode(grant: GrantRef, codeExpiresAt: number): Promise<void> {
    await commit(this.table, [
      {
        write: {
          Update: {
            TableName: this.table.name,
            Key: keys.grant(grant.tenantId, grant.grantId),
            UpdateExpression:
              'SET revokedAt = :now, revokedReason = :reason, #type = if_not_exists(#type, :type), #ttl = if_not_exists(#ttl, :ttl)',
            // Already revoked (a third presentation, or revoked before): nothing changes and nothing is emitted.
            ConditionExpression: 'attribute_not_exists(revokedAt)',
            ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':now': epochSeconds(this.table.clock),
              ':reason': CODE_REPLAYED,
              ':type': 'grant',
              ':ttl': codeExpiresAt + 24 * 3600,
            },
          },
        },
        onConditionFailed: () => new AlreadyRevoked(),
      },
      ...this.revokedEvent(grant, 'code_replayed'),
    ]).catch((error: unknown) => {
      if (!(error instanceof AlreadyRevoked)) throw error;
    });
  }

  /** RFC 7009 for one access token of `grant`: recorded once (with its event), kept until the token expires. */
  async revokeAccessToken(grant: AccessTokenOwner, jti: string, expiresAt: number): Promise<void> {
    await commit(this.table, [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: {
              ...keys.revokedAccessToken(grant.tenantId, jti),
              type: 'revoked_access_token',
              ttl: expiresAt + 60,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: () => new AlreadyRevoked(),
      },
      ...this.revokedEvent(grant, 'revocation', { token_type: 'access_token', jti }),
    ]).catch((error: unknown) => {
      if (!(error instanceof AlreadyRevoked)) throw error;
    });
  }

  /** A user's token families (id and client), every page, through GSI1 (eventually consistent). */
  async listUserGrants(tenantId: string, userId: string): Promise<GrantRef[]> {
    const partition = keys.userItemsIndex(tenantId, userId);
    const items = await allPages((page) =>
      queryPage(this.table, { index: 'gsi1', partition, sortPrefix: 'GRANT#' }, page),
    );
    return items.map((i) => ({
      tenantId,
      userId,
      grantId: i.grantId as string,
      clientId: i.clientId as string,
    }));
  }

  /** A user's token families with their state (the account page's connected apps), through GSI1. */
  async listUserFamilies(tenantId: string, userId: string): Promise<Grant[]> {
    const partition = keys.userItemsIndex(tenantId, userId);
    const items = await allPages((page) =>
      queryPage(this.table, { index: 'gsi1', partition, sortPrefix: 'GRANT#' }, page),
    );
    return items.map(toGrant);
  }

  async findGrant(tenantId: string, grantId: string): Promise<Grant | undefined> {
    const item = await this.table.get(keys.grant(tenantId, grantId));
    return item ? strip<Grant>(item) : undefined;
  }
}

export function toRefreshToken(item: Item): RefreshToken {
  return strip<RefreshToken>(item);
}

export function toGrant(item: Item): Grant {
  return strip<Grant>(item);
}

/** The family (or access token) was revoked before: the write and its event are skipped. */
class AlreadyRevoked extends Error {}

/** The item a cancelled transaction returned for its `index`-th part (ReturnValuesOnConditionCheckFailure). */
function cancelledItem(error: unknown, index: number): Item | undefined {
  const reasons = (error as { CancellationReasons?: { Item?: Record<string, AttributeValue> }[] }).CancellationReasons;
  const item = reasons?.[index]?.Item;
  return item ? unmarshall(item) : undefined;
}

function reasonFailed(error: unknown, index: number): boolean {
  return cancellationReasons(error)[index] === 'ConditionalCheckFailed';
}
