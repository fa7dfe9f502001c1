import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, safeEqual, sha256 } from '../crypto.ts';
import { Conflict } from '../errors.ts';
import { strip, unchangedSince } from './item.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';
import type { User } from './users.ts';

/** An invitation link works for 7 days, once. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The invitation an administrator sent a user: a link that enrolls a passkey for the account and proves the address
 * it was sent to. A user has at most one: the item is keyed by the user, so issuing a new one overwrites the old
 * one and the old link stops working in the same write (its hash is gone). That is why the link names the user:
 * `{userId}.{secret}` finds the item with one GetItem, and the secret (32 random bytes) is stored only as the
 * SHA-256 of the whole token — like a tenant API key, whose ids are not secret either.
 */
export interface Invitation {
  readonly tenantId: string;
  readonly userId: string;
  /** The address the link was sent to (lower-cased): accepting it proves control of this address only. */
  readonly email: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Set once, by the request that accepted the link. */
  readonly usedAt?: number;
}

/** A new invitation: its link's token (for the email only) and the writes that store it. */
export interface IssuedInvitation {
  readonly token: string;
  readonly expiresAt: number;
  /** Commit these with the change that issues the invitation (the user's creation, a re-send and its audit entry). */
  readonly parts: readonly TransactionPart[];
}

/** `{userId}.{secret}`: user ids are UUIDs (letters, digits, dashes), the secret 43 base64url characters. */
const TOKEN = /^([A-Za-z0-9-]{1,64})\.[A-Za-z0-9_-]{43}$/;

export class InvitationRepository {
  constructor(private readonly table: Table) {}

  /**
   * A new invitation for `user`, replacing any earlier one (an unconditional Put of the one item per user). With
   * `newUser`, the user is created in the same transaction (its own condition decides); otherwise the invitation
   * commits only while the user item is the one read (a ConditionCheck: not deleted, not re-addressed, not
   * suspended since), so the link always goes to the account's current address.
   */
  issueInvitation(user: User, now: number, options: { readonly newUser?: boolean } = {}): IssuedInvitation {
    const token = `${user.userId}.${randomToken(32)}`;
    const expiresAt = now + INVITATION_TTL_SECONDS;
    const invitation: Invitation = {
      tenantId: user.tenantId,
      userId: user.userId,
      email: user.email,
      createdAt: now,
      expiresAt,
    };
    const put: TransactionPart = {
      write: {
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.invitation(user.tenantId, user.userId),
            type: 'invitation',
            ...invitation,
            tokenHash: sha256(token),
            ttl: expiresAt,
          },
        },
      },
    };
    const userCheck: TransactionPart = {
      write: {
        ConditionCheck: {
          TableName: this.table.name,
          Key: keys.user(user.tenantId, user.userId),
          ...unchangedSince(user),
        },
      },
      onConditionFailed: () => new Conflict('The user changed (or was deleted) concurrently; read it again and retry.'),
    };
    return { token, expiresAt, parts: options.newUser ? [put] : [put, userCheck] };
  }

  /**
   * The invitation a link's token opens, if the token is still the user's current one (strongly consistent: it may
   * have been issued a moment ago). Expired or used invitations are returned as they are; see isInvitationOpen.
   */
  async findInvitation(tenantId: string, token: string): Promise<Invitation | undefined> {
    const userId = userIdOf(token);
    if (userId === undefined) return undefined;
    const item = await this.table.get(keys.invitation(tenantId, userId), true);
    if (!item || !safeEqual(sha256(token), String(item.tokenHash))) return undefined;
    const { tokenHash: _hash, ...rest } = item;
    return strip<Invitation>(rest);
  }

  /**
   * Spends the link, once: one conditional UpdateItem on the invitation's hash (a re-send replaced it: refused), not
   * yet used (two tabs, a double click, a replay: only one wins) and not expired. Returns false when refused.
   */
  async spendInvitation(tenantId: string, token: string): Promise<boolean> {
    const userId = userIdOf(token);
    if (userId === undefined) return false;
    const now = epochSeconds(this.table.clock);
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.invitation(tenantId, userId),
          UpdateExpression: 'SET usedAt = :now',
          ConditionExpression: 'tokenHash = :hash AND attribute_not_exists(usedAt) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': now, ':hash': sha256(token) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

/** Whether an invitation may still be accepted (spendInvitation's condition decides for good). */
export function isInvitationOpen(invitation: Invitation, now: number): boolean {
  return invitation.usedAt === undefined && invitation.expiresAt > now;
}

/** The user a token names, or undefined for anything that is no token of ours. */
function userIdOf(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}
