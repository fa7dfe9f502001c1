import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { Conflict, NotFound } from '../errors.ts';
import type { EventInput } from '../events/catalog.ts';
import { passkeyJson, userJson } from '../views.ts';
import type { EventRepository } from './events.ts';
import { strip, unchangedSince } from './item.ts';
import { keys } from './keys.ts';
import { allPages, type Page, queryPage } from './paging.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';
import { commit, type TransactionPart, touches } from './transaction.ts';

export { BUILT_IN_ROLES } from '../vocabulary.ts';

export interface User {
  readonly tenantId: string;
  /** Tenant-local UUID: the OIDC `sub`. */
  readonly userId: string;
  /** Lower-cased. */
  readonly email: string;
  readonly emailVerified: boolean;
  readonly givenName: string;
  readonly familyName: string;
  /**
   * The tenant's own id for this person (its database's), unique in the tenant: a backend names users by it (step-up
   * actions' `userId`) without storing Keyway's `sub`.
   */
  readonly externalId?: string;
  /** Built-in owner/admin/user plus custom roles. */
  readonly roles: readonly string[];
  readonly createdAt: number;
  /** A suspended user cannot sign in, and every token and session of theirs stops working. */
  readonly suspended?: boolean;
  /**
   * Epoch seconds of the last "sign out everywhere" (also set by suspension): every session and every token family
   * from a sign-in at or before it is dead, decided by this one attribute the token paths read anyway.
   */
  readonly sessionsRevokedAt?: number;
  /** Epoch milliseconds of the last admin change (optimistic concurrency for PATCH). */
  readonly updatedAt?: number;
}

export interface Passkey {
  readonly tenantId: string;
  /** base64url credential id. */
  readonly credentialId: string;
  readonly userId: string;
  /** base64url COSE public key. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports?: readonly string[];
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
  /** The authenticator model the registration reported (a UUID; all zeros when it tells none). */
  readonly aaguid?: string;
  /** The name the user gave it on the account page. */
  readonly name?: string;
}

export class EmailTaken extends Error {}
export class CredentialTaken extends Error {}
/** The account was deleted or suspended while a passkey was being added to it. */
export class AccountUnavailable extends Error {}

export class UserRepository {
  constructor(
    private readonly table: Table,
    private readonly events: EventRepository,
  ) {}

  /**
   * Creates the account, its email claim and its first passkey in one transaction. The email claim and the
   * credential id are written with attribute_not_exists, so two sign-ups with the same email (or credential)
   * cannot both succeed, and a failure leaves nothing half-written.
   */
  async createUserWithPasskey(user: User, passkey: Passkey, extra: readonly TransactionPart[] = []): Promise<void> {
    const events: EventInput[] = [
      { type: 'user.created', data: userJson(user) },
      { type: 'passkey.added', data: { user_id: user.userId, passkey: passkeyJson(passkey) } },
    ];
    await commit(this.table, [
      ...this.events.emitAll(user.tenantId, events, this.table.clock.now()),
      ...this.createUser(user, () => new EmailTaken()),
      this.putPasskey(passkey),
      ...extra,
    ]);
  }

  /**
   * Adds a passkey to an existing account (recovery, the account page, an invitation) with its `passkey.added` event
   * and whatever else must commit with it (`extra`: the spent email code, an audit entry). The account must still
   * exist and not be suspended when it commits.
   */
  async addPasskey(user: User, passkey: Passkey, extra: readonly TransactionPart[] = []): Promise<void> {
    const event: EventInput = { type: 'passkey.added', data: { user_id: user.userId, passkey: passkeyJson(passkey) } };
    // A change of the user in the same transaction (an invitation verifies the email) carries its own condition
    // (unchanged since read: not suspended meanwhile); a transaction may name an item only once.
    const userKey = keys.user(user.tenantId, user.userId);
    const checks: TransactionPart[] = touches(extra, userKey)
      ? []
      : [
          {
            write: {
              ConditionCheck: {
                TableName: this.table.name,
                Key: userKey,
                ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(suspended) OR suspended = :false)',
                ExpressionAttributeValues: { ':false': false },
              },
            },
            onConditionFailed: () => new AccountUnavailable(),
          },
        ];
    await commit(this.table, [
      ...this.events.emitAll(user.tenantId, [event], this.table.clock.now()),
      ...checks,
      this.putPasskey(passkey),
      ...extra,
    ]);
  }

  /**
   * The address still names this account when the transaction commits: a recovery proved control of `email`, and an
   * administrator may have moved the account to another address since the code was sent.
   */
  emailStillOf(tenantId: string, email: string, userId: string, onMoved: () => Error): TransactionPart {
    return {
      write: {
        ConditionCheck: {
          TableName: this.table.name,
          Key: keys.email(tenantId, email),
          ConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
        },
      },
      onConditionFailed: onMoved,
    };
  }

  /** A new passkey item; its credential id is unique in the tenant (attribute_not_exists). */
  private putPasskey(passkey: Passkey): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.passkey(passkey.tenantId, passkey.credentialId),
            ...keys.passkeyIndex(passkey.tenantId, passkey.userId, passkey.credentialId),
            type: 'passkey',
            ...passkey,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new CredentialTaken(),
    };
  }

  private userItem(user: User) {
    return {
      ...keys.user(user.tenantId, user.userId),
      ...keys.userIndex(user.tenantId, user.createdAt, user.userId),
      type: 'user',
      ...user,
    };
  }

  /** An account without credentials (admin-created); the email is claimed so it stays unique in the tenant. */
  createUser(
    user: User,
    onEmailTaken: () => Error = () => new Conflict('Another user of this tenant has this email address.'),
  ): TransactionPart[] {
    return [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: this.userItem(user),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      },
      this.claimEmail(user, onEmailTaken),
      ...(user.externalId !== undefined ? [this.claimExternalId(user)] : []),
    ];
  }

  /**
   * Replaces the user (PATCH), conditioned on the stored item being the one `old` was read from, so concurrent
   * edits cannot interleave (the loser is a 409). A new email moves the uniqueness claim in the same transaction.
   */
  updateUser(old: User, next: User): TransactionPart[] {
    const parts: TransactionPart[] = [
      {
        write: {
          Put: { TableName: this.table.name, Item: this.userItem(next), ...unchangedSince(old) },
        },
        onConditionFailed: () =>
          new Conflict('The user changed (or was deleted) concurrently; read it again and retry.'),
      },
    ];
    if (next.email !== old.email) parts.push(this.releaseEmail(old), this.claimEmail(next));
    if (next.externalId !== old.externalId) {
      if (old.externalId !== undefined) parts.push(this.releaseExternalId(old));
      if (next.externalId !== undefined) parts.push(this.claimExternalId(next));
    }
    return parts;
  }

  /** Removes the account and its email claim; passkeys, sessions and families are cleaned up after (see purgeUser). */
  deleteUser(user: User): TransactionPart[] {
    return [
      {
        write: {
          Delete: { TableName: this.table.name, Key: keys.user(user.tenantId, user.userId), ...unchangedSince(user) },
        },
        // Changed since it was read (its roles may differ from the counts this transaction adjusts), or gone.
        onConditionFailed: () =>
          new Conflict('The user changed (or was deleted) concurrently; read it again and retry.'),
      },
      this.releaseEmail(user),
      ...(user.externalId !== undefined ? [this.releaseExternalId(user)] : []),
    ];
  }

  /** The user the tenant knows by `externalId` (one GetItem on its uniqueness claim). */
  async findUserIdByExternalId(tenantId: string, externalId: string): Promise<string | undefined> {
    const item = await this.table.get(keys.externalId(tenantId, externalId));
    return typeof item?.userId === 'string' ? item.userId : undefined;
  }

  private claimExternalId(user: User): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.externalId(user.tenantId, user.externalId!), type: 'external-id', userId: user.userId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new Conflict('Another user of this tenant has this external_id.'),
    };
  }

  private releaseExternalId(user: User): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.externalId(user.tenantId, user.externalId!),
          ConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': user.userId },
        },
      },
      onConditionFailed: () => new Conflict('The user changed concurrently; read it again and retry.'),
    };
  }

  private claimEmail(
    user: User,
    onTaken: () => Error = () => new Conflict('Another user of this tenant has this email address.'),
  ): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.email(user.tenantId, user.email), type: 'email', userId: user.userId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: onTaken,
    };
  }

  private releaseEmail(user: User): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.email(user.tenantId, user.email),
          ConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': user.userId },
        },
      },
      onConditionFailed: () => new Conflict('The user changed concurrently; read it again and retry.'),
    };
  }

  /** The tenant's users in creation order (GSI1, eventually consistent). */
  async listUsers(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<User>> {
    const { gsi1pk } = keys.userIndex(tenantId, 0, '');
    const out = await queryPage(this.table, { index: 'gsi1', partition: gsi1pk, sortPrefix: 'U#' }, page);
    return { ...out, items: out.items.map(toUser) };
  }

  /** One page of a user's passkeys (GSI1). */
  async listPasskeyPage(
    tenantId: string,
    userId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<Page<Passkey>> {
    const partition = keys.userItemsIndex(tenantId, userId);
    const out = await queryPage(this.table, { index: 'gsi1', partition, sortPrefix: 'CRED#' }, page);
    return { ...out, items: out.items.map((i) => strip<Passkey>(i)) };
  }

  /** Removes one passkey of this user (a passkey of anyone else is "not found"). */
  deletePasskey(tenantId: string, userId: string, credentialId: string): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.passkey(tenantId, credentialId),
          ConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
        },
      },
      onConditionFailed: () => new NotFound('No such passkey.'),
    };
  }

  /** Names one of the user's passkeys (a passkey of anyone else is "not found"). */
  async renamePasskey(tenantId: string, userId: string, credentialId: string, name: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.passkey(tenantId, credentialId),
          UpdateExpression: 'SET #name = :name',
          ConditionExpression: 'attribute_exists(pk) AND userId = :userId',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': name, ':userId': userId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Strongly consistent: every token path decides with it whether the user is suspended or was signed out, which
   * must hold from the moment the admin write commits, not a replication lag later.
   */
  async findUser(tenantId: string, userId: string): Promise<User | undefined> {
    const item = await this.table.get(keys.user(tenantId, userId), true);
    return item ? toUser(item) : undefined;
  }

  async findUserIdByEmail(tenantId: string, email: string): Promise<string | undefined> {
    const item = await this.table.get(keys.email(tenantId, email.toLowerCase()));
    return item ? (item.userId as string) : undefined;
  }

  /** Tenant-scoped: a credential registered with another tenant is simply not found. */
  async findPasskey(tenantId: string, credentialId: string): Promise<Passkey | undefined> {
    const item = await this.table.get(keys.passkey(tenantId, credentialId), true);
    return item ? strip<Passkey>(item) : undefined;
  }

  /** All of a user's passkeys (excludeCredentials, allowCredentials, cleanup). */
  async listPasskeys(tenantId: string, userId: string): Promise<Passkey[]> {
    return allPages((page) => this.listPasskeyPage(tenantId, userId, page));
  }

  /**
   * Records a successful assertion. The condition on the previous counter is optimistic concurrency: two
   * assertions racing with the same stored counter cannot both advance it.
   */
  async recordPasskeyUse(passkey: Passkey, newCounter: number, backedUp: boolean): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.passkey(passkey.tenantId, passkey.credentialId),
          UpdateExpression: 'SET #counter = :new, lastUsedAt = :now, backedUp = :backedUp',
          ConditionExpression: 'attribute_exists(pk) AND #counter = :old',
          ExpressionAttributeNames: { '#counter': 'counter' },
          ExpressionAttributeValues: {
            ':new': newCounter,
            ':old': passkey.counter,
            ':now': epochSeconds(this.table.clock),
            ':backedUp': backedUp,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

export function toUser(item: Item): User {
  return strip<User>(item);
}

/**
 * Whether something of the user that began at `since` (epoch seconds: the auth_time of the sign-in a session or a
 * token family came from)
 * may still be used: the user is not suspended and has not been signed out everywhere since.
 */
export function isUserActive(user: User, since: number): boolean {
  return !user.suspended && (user.sessionsRevokedAt === undefined || since > user.sessionsRevokedAt);
}
