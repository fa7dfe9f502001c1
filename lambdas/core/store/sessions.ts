import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { isoTime } from '../views.ts';
import type { EventRepository } from './events.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Table } from './table.ts';
import { commit, type TransactionPart } from './transaction.ts';

export interface Session {
  readonly tenantId: string;
  /** The SHA-256 of the session id (the cookie): what the admin API calls the session's id. */
  readonly id?: string;
  readonly userId: string;
  /** Epoch seconds of the passkey ceremony that created the session (OIDC `auth_time`). */
  readonly authTime: number;
  readonly amr: readonly string[];
  readonly expiresAt: number;
}

export class SessionRepository {
  constructor(
    private readonly table: Table,
    private readonly events: EventRepository,
  ) {}

  /**
   * A sign-in: the session and its `user.signed_in` event in one transaction. Returns the raw session id for the
   * cookie; only its hash is stored (and is the session's id in events and the admin API).
   */
  async createSession(
    session: Omit<Session, 'expiresAt'>,
    ttlSeconds: number,
    signIn: { clientId?: string | undefined } = {},
  ): Promise<string> {
    const sid = randomToken();
    const id = sha256(sid);
    const expiresAt = epochSeconds(this.table.clock) + ttlSeconds;
    await commit(this.table, [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: {
              ...keys.session(session.tenantId, id),
              ...keys.sessionIndex(session.tenantId, session.userId, id),
              type: 'session',
              id,
              ...session,
              expiresAt,
              ttl: expiresAt,
            },
          },
        },
      },
      ...this.events.emit(
        session.tenantId,
        {
          type: 'user.signed_in',
          data: {
            user_id: session.userId,
            session_id: id,
            client_id: signIn.clientId ?? null,
            amr: session.amr,
            auth_time: isoTime(session.authTime),
          },
        },
        this.table.clock.now(),
      ),
    ]);
    return sid;
  }

  async findSession(tenantId: string, sid: string): Promise<Session | undefined> {
    const item = await this.table.get(keys.session(tenantId, sha256(sid)));
    return item ? strip<Session>(item) : undefined;
  }

  /** A user's live sessions, through GSI1 (eventually consistent). */
  async listUserSessions(
    tenantId: string,
    userId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<Page<Session>> {
    const partition = keys.userItemsIndex(tenantId, userId);
    const out = await queryPage(this.table, { index: 'gsi1', partition, sortPrefix: 'SES#' }, page);
    return { ...out, items: out.items.map((i) => strip<Session>(i)) };
  }

  /** Ends a session by its stored hash (admin sign-out; the user's own logout goes through deleteSession). */
  async deleteSessionById(tenantId: string, id: string): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: keys.session(tenantId, id) }));
  }

  /** Deletes a session by its stored hash inside another transaction (a recovery evicting an unproved owner). */
  deletePart(tenantId: string, id: string): TransactionPart {
    return { write: { Delete: { TableName: this.table.name, Key: keys.session(tenantId, id) } } };
  }

  /** The user signed out: the session and its `session.revoked` event, once (a second logout changes nothing). */
  async endSession(tenantId: string, sid: string, userId: string): Promise<void> {
    const id = sha256(sid);
    await commit(this.table, [
      {
        write: {
          Delete: {
            TableName: this.table.name,
            Key: keys.session(tenantId, id),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        onConditionFailed: () => new SessionGone(),
      },
      ...this.events.emit(
        tenantId,
        { type: 'session.revoked', data: { user_id: userId, session_id: id, reason: 'logout' } },
        this.table.clock.now(),
      ),
    ]).catch((error: unknown) => {
      if (!(error instanceof SessionGone)) throw error;
    });
  }
}

/** Already ended (signed out in another tab, or by an administrator). */
class SessionGone extends Error {}
