import { QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { TABLE_SCHEMA } from './schema.ts';
import { type Item, isConditionFailed, isTransactionConditionFailed, type Table } from './table.ts';

export const BUILT_IN_ROLES = ['owner', 'admin', 'user'] as const;

export interface User {
  readonly tenantId: string;
  /** Tenant-local UUID: the OIDC `sub`. */
  readonly userId: string;
  /** Lower-cased. */
  readonly email: string;
  readonly emailVerified: boolean;
  readonly givenName: string;
  readonly familyName: string;
  /** Built-in owner/admin/user plus custom roles. */
  readonly roles: readonly string[];
  readonly createdAt: number;
  /** A suspended user cannot sign in, and every token and session of theirs stops working. */
  readonly suspended?: boolean;
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
}

export class EmailTaken extends Error {}
export class CredentialTaken extends Error {}

export class UserRepository {
  constructor(private readonly table: Table) {}

  /**
   * Creates the account, its email claim and its first passkey in one transaction. The email claim and the
   * credential id are written with attribute_not_exists, so two sign-ups with the same email (or credential)
   * cannot both succeed, and a failure leaves nothing half-written.
   */
  async createUserWithPasskey(user: User, passkey: Passkey): Promise<void> {
    try {
      await this.table.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.name,
                Item: { ...keys.user(user.tenantId, user.userId), type: 'user', ...user },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table.name,
                Item: { ...keys.email(user.tenantId, user.email), type: 'email', userId: user.userId },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
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
          ],
        }),
      );
    } catch (error) {
      if (!isTransactionConditionFailed(error)) throw error;
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new EmailTaken();
      if (reasons[2]?.Code === 'ConditionalCheckFailed') throw new CredentialTaken();
      throw error;
    }
  }

  async findUser(tenantId: string, userId: string): Promise<User | undefined> {
    const item = await this.table.get(keys.user(tenantId, userId));
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

  async listPasskeys(tenantId: string, userId: string): Promise<Passkey[]> {
    const { gsi1pk, prefix } = keys.userPasskeysPrefix(tenantId, userId);
    const { gsi1 } = TABLE_SCHEMA;
    const out = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        IndexName: gsi1.name,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': gsi1.partitionKey, '#sk': gsi1.sortKey },
        ExpressionAttributeValues: { ':pk': gsi1pk, ':prefix': prefix },
      }),
    );
    return (out.Items ?? []).map((i) => strip<Passkey>(i));
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
