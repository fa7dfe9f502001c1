import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Table } from './table.ts';

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
  constructor(private readonly table: Table) {}

  /** Returns the raw session id for the cookie; only its hash is stored. */
  async createSession(session: Omit<Session, 'expiresAt'>, ttlSeconds: number): Promise<string> {
    const sid = randomToken();
    const expiresAt = epochSeconds(this.table.clock) + ttlSeconds;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.session(session.tenantId, sha256(sid)),
          ...keys.sessionIndex(session.tenantId, session.userId, sha256(sid)),
          type: 'session',
          id: sha256(sid),
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

  async deleteSession(tenantId: string, sid: string): Promise<void> {
    await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: keys.session(tenantId, sha256(sid)) }),
    );
  }
}
