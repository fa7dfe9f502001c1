import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken } from '../crypto.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/** A validated authorization request waiting for the user to sign in on the hosted pages. */
export interface Interaction {
  readonly tenantId: string;
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  /** The resource (RFC 8707 identifier) the tokens will be for. */
  readonly resource?: string;
  readonly codeChallenge: string;
  readonly prompt?: string;
  readonly maxAge?: number;
  readonly loginHint?: string;
  readonly uiLocales?: string;
  /**
   * Set when the sign-in is for the device page (RFC 8628): after it, the browser goes back there with this user code
   * (normalized) instead of receiving an authorization code.
   */
  readonly deviceUserCode?: string;
  /**
   * Set when the sign-in is for Keyway's own account page (no client): afterwards the browser goes to
   * `{issuer}/account` with a fresh session instead of receiving an authorization code.
   */
  readonly returnTo?: 'account';
  /**
   * Only this account may complete the sign-in (a re-authentication before a sensitive action, an invitation): the
   * ceremony offers only its passkeys, and a passkey of anyone else is refused.
   */
  readonly expectedUserId?: string;
  /**
   * `add-passkey`: the interaction enrolls a new passkey for `expectedUserId` (the account page's "add a passkey", an
   * invitation) instead of signing in with one.
   */
  readonly intent?: 'add-passkey';
  /**
   * Set by an invitation to the address it was sent to: enrolling the passkey proves that address (`email_verified`
   * becomes true), provided it is still the account's when the enrollment commits.
   */
  readonly verifiesEmail?: string;
  /** SHA-256 of the browser-binding cookie: the interaction completes only in the browser that started it. */
  readonly browserHash: string;
  /** Anti-CSRF token the hosted pages echo in a header on every POST. */
  readonly csrf: string;
  readonly expiresAt: number;
}

const INTERACTION_TTL = 15 * 60;

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

  /**
   * Ends the interaction inside another transaction (an add-passkey enrollment: the passkey and the end of the
   * interaction commit together, so one interaction cannot add two passkeys).
   */
  finishPart(tenantId: string, id: string, onFailed: () => Error): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.interaction(tenantId, id),
          ConditionExpression: 'attribute_exists(pk) AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epochSeconds(this.table.clock) },
        },
      },
      onConditionFailed: onFailed,
    };
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
}
