import { InvalidToken, NotFound } from '../errors.ts';
import type { GrantType } from '../oidc/grant-types.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Item, Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/**
 * What a client registered under a token (or by open registration) may be, kept on the token and copied onto every
 * client it registers, so an RFC 7592 update is held to the same bounds as the registration was.
 */
export interface RegistrationConstraints {
  /** Host names every redirect URI (and post-logout redirect URI) must have; absent: any acceptable URI. */
  readonly allowedRedirectHosts?: readonly string[];
  /** The grant types a registered client may have (a subset); absent: any the admin API allows. */
  readonly grantTypes?: readonly GrantType[];
  /** What registered clients are: false (the default) a third party, whose sign-ins ask for consent. */
  readonly firstParty: boolean;
  /** Open registration: public clients only (token_endpoint_auth_method `none`). */
  readonly publicOnly?: boolean;
}

export interface InitialAccessToken {
  readonly tenantId: string;
  /** `iat_` + 16 of a-z0-9 (publicId): in the token itself, so it is found with one GetItem. */
  readonly tokenId: string;
  readonly description: string;
  /** SHA-256 (base64url) of the whole token; the token itself is shown once and never stored. */
  readonly secretHash: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Who created it: `operator` or `key:{keyId}`. */
  readonly createdBy: string;
  /** Epoch seconds; the token registers nothing from then on. */
  readonly expiresAt: number;
  /** How many registrations it allows (1: single use); absent: any number until it expires. */
  readonly maxUses?: number;
  /** Registrations made with it, counted in each registration's transaction. */
  readonly uses: number;
  readonly constraints: RegistrationConstraints;
  readonly revokedAt?: number;
}

/** An expired or revoked token stays listed this long after it stopped working, then TTL removes it. */
const RETENTION_SECONDS = 30 * 86_400;

export const UNUSABLE_INITIAL_ACCESS_TOKEN = 'The initial access token is unknown, expired, revoked or used up.';

export class InitialAccessTokenRepository {
  constructor(private readonly table: Table) {}

  /** Claims the token id (random; the condition still refuses a collision). */
  createToken(token: InitialAccessToken): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.initialAccessToken(token.tenantId, token.tokenId),
            type: 'initial_access_token',
            ...token,
            ttl: token.expiresAt + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    };
  }

  /** Strongly consistent: a token revoked or spent a moment ago must already fail. */
  async findToken(tenantId: string, tokenId: string): Promise<InitialAccessToken | undefined> {
    const item = await this.table.get(keys.initialAccessToken(tenantId, tokenId), true);
    return item ? toToken(item) : undefined;
  }

  async listTokens(
    tenantId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<Page<InitialAccessToken>> {
    const out = await queryPage(this.table, { partition: keys.tenant(tenantId).pk, sortPrefix: 'IAT#' }, page);
    return { ...out, items: out.items.map(toToken) };
  }

  /**
   * Counts one registration, in the registration's own transaction: the condition (live, unexpired, a use left)
   * is evaluated by DynamoDB, so an exhausted token creates nothing and two registrations racing for the last use
   * cannot both commit. The loser is a 401 invalid_token (RFC 6750 §3.1), like any unusable token.
   */
  spendPart(token: InitialAccessToken, now: number): TransactionPart {
    const limited = token.maxUses !== undefined;
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.initialAccessToken(token.tenantId, token.tokenId),
          UpdateExpression: 'ADD uses :one',
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(revokedAt) AND expiresAt > :now${
            limited ? ' AND uses < maxUses' : ''
          }`,
          ExpressionAttributeValues: { ':one': 1, ':now': now },
        },
      },
      onConditionFailed: () => new InvalidToken(UNUSABLE_INITIAL_ACCESS_TOKEN),
    };
  }

  /** Revokes a live token; an unknown or already revoked one is a 404 (the transaction then writes nothing). */
  revokeToken(tenantId: string, tokenId: string, now: number): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.initialAccessToken(tenantId, tokenId),
          UpdateExpression: 'SET revokedAt = :now, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now, ':ttl': now + RETENTION_SECONDS },
        },
      },
      onConditionFailed: () => new NotFound('No such initial access token (or it is already revoked).'),
    };
  }
}

/** Why a token cannot register now, or undefined while it can (the spend's condition decides for good). */
export function unusableReason(token: InitialAccessToken, now: number): string | undefined {
  if (token.revokedAt !== undefined) return 'revoked';
  if (token.expiresAt <= now) return 'expired';
  if (token.maxUses !== undefined && token.uses >= token.maxUses) return 'used up';
  return undefined;
}

function toToken(item: Item): InitialAccessToken {
  return strip<InitialAccessToken>(item);
}
