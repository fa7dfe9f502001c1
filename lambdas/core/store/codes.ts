import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ActionOutcome } from '../actions/rules.ts';
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
  /** The resource (RFC 8707 identifier) authorized: the tokens' audience. */
  readonly resource?: string;
  readonly userId: string;
  readonly authTime: number;
  readonly amr: readonly string[];
  /** The `acr` its tokens carry (oidc/acr.ts issuedAcr); absent on codes issued before it was stored. */
  readonly acr?: string;
  /** Set when the code answers a step-up action (init-auth): what happened; its tokens say so. */
  readonly action?: ActionOutcome;
  /** The token family tokens from this code will belong to (revoked if the code is replayed). */
  readonly grantId: string;
  readonly expiresAt: number;
}

export type RedeemResult =
  | { readonly status: 'redeemed'; readonly code: AuthorizationCode }
  /** Its own client presented it again, with the same redirect URI and PKCE proof: a replay (RFC 6749 §4.1.2). */
  | { readonly status: 'replayed'; readonly code: AuthorizationCode }
  | { readonly status: 'unknown' | 'other-client' | 'redirect-mismatch' | 'pkce-mismatch' | 'resource-mismatch' };

/** What a redemption must match; all of it is part of the condition that spends the code. */
export interface RedemptionProof {
  readonly clientId: string;
  readonly redirectUri: string;
  /** BASE64URL(SHA256(code_verifier)). */
  readonly codeChallenge: string;
  /** The `resource` the token request names (RFC 8707 §2.2), if any: it must be the one authorized. */
  readonly resource?: string | undefined;
}

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
   * Spends a code, in one UpdateItem whose condition is the whole redemption check (RFC 6749 §4.1.3, RFC 7636 §4.6):
   * unused, unexpired, issued to this client for this redirect URI with this PKCE challenge. Exactly one concurrent
   * redemption wins; a failed check spends nothing, so whoever saw a code but cannot prove PKCE cannot burn it. A
   * loser gets the stored item back (ALL_OLD on condition failure), which says why: only its own client presenting
   * it again after it was used is a replay.
   */
  async redeemCode(tenantId: string, raw: string, proof: RedemptionProof): Promise<RedeemResult> {
    const now = epochSeconds(this.table.clock);
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.code(tenantId, sha256(raw)),
          UpdateExpression: 'SET consumedAt = :now',
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(consumedAt) AND expiresAt > :now AND clientId = :client AND redirectUri = :redirect AND codeChallenge = :challenge${proof.resource !== undefined ? ' AND #resource = :resource' : ''}`,
          ...(proof.resource !== undefined ? { ExpressionAttributeNames: { '#resource': 'resource' } } : {}),
          ExpressionAttributeValues: {
            ':now': now,
            ':client': proof.clientId,
            ':redirect': proof.redirectUri,
            ':challenge': proof.codeChallenge,
            ...(proof.resource !== undefined ? { ':resource': proof.resource } : {}),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'redeemed', code: strip<AuthorizationCode>(out.Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The document client does not unmarshall the item attached to a condition failure.
      const rawItem = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const old: Item | undefined = rawItem ? unmarshall(rawItem) : undefined;
      if (!this.table.isLive(old)) return { status: 'unknown' };
      const code = strip<AuthorizationCode>(old);
      if (code.clientId !== proof.clientId) return { status: 'other-client' };
      if (code.redirectUri !== proof.redirectUri) return { status: 'redirect-mismatch' };
      // A replay must prove what the first redemption proved: a public client's used code, seen by someone without
      // its verifier, must not be enough to revoke the user's tokens.
      if (code.codeChallenge !== proof.codeChallenge) return { status: 'pkce-mismatch' };
      // RFC 8707 §2.2: another resource than authorized spends nothing either (the client may retry without it).
      if (proof.resource !== undefined && code.resource !== proof.resource && old.consumedAt === undefined)
        return { status: 'resource-mismatch' };
      if (old.consumedAt !== undefined) return { status: 'replayed', code };
      return { status: 'unknown' }; // expired
    }
  }
}
