import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';

/** What an authorization code stands for; bound to client, redirect URI and PKCE challenge. */
export interface AuthorizationCode {
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly userId: string;
  readonly authTime: number;
  readonly amr: readonly string[];
  /** The token family tokens from this code will belong to (revoked if the code is replayed). */
  readonly grantId: string;
  readonly expiresAt: number;
}

export type ConsumeResult =
  | { readonly status: 'consumed'; readonly code: AuthorizationCode }
  | { readonly status: 'replayed'; readonly code: AuthorizationCode }
  | { readonly status: 'unknown' };

/** Codes live 60 s; the record is kept a while longer so a replay can still be recognised and punished. */
export const CODE_TTL = 60;
const CODE_RECORD_TTL = 15 * 60;

export class CodeRepository {
  constructor(private readonly table: Table) {}

  /** Returns the raw code for the redirect; only its hash is stored. */
  async issueCode(code: Omit<AuthorizationCode, 'expiresAt'>): Promise<string> {
    const raw = randomToken();
    const now = epochSeconds(this.table.clock);
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.code(code.tenantId, sha256(raw)),
          type: 'code',
          ...code,
          expiresAt: now + CODE_TTL,
          ttl: now + CODE_RECORD_TTL,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return raw;
  }

  /**
   * Marks a code used. The condition `attribute_not_exists(consumedAt)` makes redemption single-use even
   * under concurrent requests: exactly one UpdateItem wins. A loser gets the stored item back (ALL_OLD on
   * condition failure) and learns it was a replay.
   */
  async consumeCode(tenantId: string, raw: string): Promise<ConsumeResult> {
    const now = epochSeconds(this.table.clock);
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.code(tenantId, sha256(raw)),
          UpdateExpression: 'SET consumedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(consumedAt) AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'consumed', code: strip<AuthorizationCode>(out.Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The document client does not unmarshall the item attached to a condition failure.
      const raw = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const old: Item | undefined = raw ? unmarshall(raw) : undefined;
      if (this.table.isLive(old) && old.consumedAt !== undefined)
        return { status: 'replayed', code: strip<AuthorizationCode>(old) };
      return { status: 'unknown' };
    }
  }
}
