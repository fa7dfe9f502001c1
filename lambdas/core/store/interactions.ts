import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { keys } from './keys.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';

/** A validated authorization request waiting for the user to sign in on the hosted pages. */
export interface Interaction {
  readonly tenantId: string;
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly prompt?: string;
  readonly maxAge?: number;
  readonly loginHint?: string;
  readonly uiLocales?: string;
  /** SHA-256 of the browser-binding cookie: the interaction completes only in the browser that started it. */
  readonly browserHash: string;
  /** Anti-CSRF token the hosted pages echo in a header on every POST. */
  readonly csrf: string;
  readonly expiresAt: number;
}

export interface Session {
  readonly tenantId: string;
  readonly userId: string;
  /** Epoch seconds of the passkey ceremony that created the session (OIDC `auth_time`). */
  readonly authTime: number;
  readonly amr: readonly string[];
  readonly expiresAt: number;
}

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

const INTERACTION_TTL = 15 * 60;
/** Codes live 60 s; the record is kept a while longer so a replay can still be recognised and punished. */
export const CODE_TTL = 60;
const CODE_RECORD_TTL = 15 * 60;

export class InteractionRepository {
  constructor(private readonly table: Table) {}

  async createInteraction(interaction: Omit<Interaction, 'id' | 'csrf' | 'expiresAt'>): Promise<Interaction> {
    const now = epochSeconds(this.table.clock);
    const full: Interaction = {
      ...interaction,
      id: randomToken(18),
      csrf: randomToken(18),
      expiresAt: now + INTERACTION_TTL,
    };
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.interaction(interaction.tenantId, full.id), type: 'interaction', ...full, ttl: full.expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return full;
  }

  async findInteraction(tenantId: string, id: string): Promise<Interaction | undefined> {
    const item = await this.table.get(keys.interaction(tenantId, id), true);
    return item ? strip<Interaction>(item) : undefined;
  }

  /** Ends an interaction exactly once (a conditional delete), so one sign-in cannot mint two codes. */
  async finishInteraction(tenantId: string, id: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.interaction(tenantId, id),
          ConditionExpression: 'attribute_exists(pk) AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epochSeconds(this.table.clock) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Returns the raw session id for the cookie; only its hash is stored. */
  async createSession(session: Omit<Session, 'expiresAt'>, ttlSeconds: number): Promise<string> {
    const sid = randomToken();
    const expiresAt = epochSeconds(this.table.clock) + ttlSeconds;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.session(session.tenantId, sha256(sid)),
          type: 'session',
          ...session,
          expiresAt,
          ttl: expiresAt,
        },
      }),
    );
    return sid;
  }

  async findSession(tenantId: string, sid: string): Promise<Session | undefined> {
    const item = await this.table.get(keys.session(tenantId, sha256(sid)));
    return item ? strip<Session>(item) : undefined;
  }

  async deleteSession(tenantId: string, sid: string): Promise<void> {
    await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: keys.session(tenantId, sha256(sid)) }),
    );
  }

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

export function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, type: _type, ttl: _ttl, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}
