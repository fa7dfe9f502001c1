import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { keys } from './keys.ts';
import { allPages, queryPage } from './paging.ts';
import type { Item, Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/**
 * What a user allowed one client on the consent page: the scopes granted so far (a union over every Allow). A later
 * request for scopes inside the set needs no page again (unless it says `prompt=consent`); one with a new scope asks,
 * and its Allow adds to the set. Removing the app on the account page deletes the item.
 */
export interface Consent {
  readonly tenantId: string;
  readonly userId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Epoch seconds of the first Allow. */
  readonly createdAt: number;
  /** Epoch seconds of the latest Allow. */
  readonly updatedAt: number;
}

export class ConsentRepository {
  constructor(private readonly table: Table) {}

  /**
   * The user's consent for the client, read at sign-in eventually consistent: the only cost of reading a moment-old
   * copy is asking once more. `consistent` where a write conditions on what was read (removing the app).
   */
  async find(tenantId: string, userId: string, clientId: string, consistent = false): Promise<Consent | undefined> {
    const item = await this.table.get(keys.consent(tenantId, userId, clientId), consistent);
    return item ? toConsent(item) : undefined;
  }

  /** Every consent of the user (the account page's connected apps): one Query on the user's partition. */
  async list(tenantId: string, userId: string): Promise<Consent[]> {
    const partition = keys.consent(tenantId, userId, '').pk;
    const items = await allPages((page) => queryPage(this.table, { partition, sortPrefix: 'CONSENT#' }, page));
    return items.map(toConsent);
  }

  /**
   * Records an Allow, merging `scopes` into what was granted before: `ADD` on a string set is a union that needs no
   * read, so two Allows racing (two tabs) both land. Commit it with the end of the interaction it answers, so a
   * replayed answer stores nothing.
   */
  grantPart(tenantId: string, userId: string, clientId: string, scopes: readonly string[]): TransactionPart {
    return { write: { Update: this.grantUpdate(tenantId, userId, clientId, scopes) } };
  }

  /** grantPart on its own (fixtures and tools; the consent page commits the part with its interaction). */
  async grant(tenantId: string, userId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    await this.table.doc.send(new UpdateCommand(this.grantUpdate(tenantId, userId, clientId, scopes)));
  }

  /**
   * Deletes the consent (the account page's "Remove access"), conditioned on it existing, so that of two removals
   * racing only one commits and emits `consent.revoked`.
   */
  revokePart(consent: Consent, onGone: () => Error): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.consent(consent.tenantId, consent.userId, consent.clientId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: onGone,
    };
  }

  private grantUpdate(tenantId: string, userId: string, clientId: string, scopes: readonly string[]) {
    return {
      TableName: this.table.name,
      Key: keys.consent(tenantId, userId, clientId),
      UpdateExpression:
        'SET #type = :type, tenantId = :tenant, userId = :user, clientId = :client, createdAt = if_not_exists(createdAt, :now), updatedAt = :now ADD scopes :scopes',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':type': 'consent',
        ':tenant': tenantId,
        ':user': userId,
        ':client': clientId,
        ':now': epochSeconds(this.table.clock),
        ':scopes': new Set(scopes),
      },
    };
  }
}

function toConsent(item: Item): Consent {
  const scopes = item.scopes instanceof Set ? [...(item.scopes as Set<string>)] : [];
  return {
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    clientId: item.clientId as string,
    scopes: scopes.sort(),
    createdAt: item.createdAt as number,
    updatedAt: item.updatedAt as number,
  };
}
