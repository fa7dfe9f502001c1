import { randomInt, randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, safeEqual, sha256 } from '../crypto.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/** What the emailed code proves control of the address for. */
export type EmailFlowPurpose = 'signup' | 'recovery';

/**
 * One emailed code and what it unlocks. The browser holds only the flow id (and, after reading the email, the code);
 * whether the address has an account is recorded here and never told to the browser.
 */
export interface EmailFlow {
  readonly tenantId: string;
  readonly id: string;
  readonly purpose: EmailFlowPurpose;
  /** Lower-cased. */
  readonly email: string;
  /** The hosted sign-in the flow belongs to: only that browser's interaction may use it. */
  readonly interactionId: string;
  /**
   * The account the passkey will belong to: a fresh id for a sign-up (kept across retries, so the authenticator
   * replaces rather than piles up credentials), the found account for a recovery. Meaningless when `usable` is false.
   */
  readonly userId: string;
  /** False when the email carried no working code (sign-up of a registered address, recovery of an unknown one). */
  readonly usable: boolean;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly attempts: number;
  /** The code stops working at this time (epoch seconds). */
  readonly expiresAt: number;
  /** Set once, by the one right answer. */
  readonly verifiedAt?: number;
  /** Set once, in the transaction that creates the account or adds the passkey. */
  readonly completedAt?: number;
}

/** A code works for 10 minutes and for at most 5 tries. */
export const EMAIL_CODE_TTL_SECONDS = 10 * 60;
export const EMAIL_CODE_MAX_ATTEMPTS = 5;
/** After the right code, the passkey must be created within this long. */
export const VERIFIED_FLOW_TTL_SECONDS = 10 * 60;
/** Codes sent to one address, per tenant, per window (email bombing; per-IP limits are the rate limiter's). */
export const EMAIL_CODES_PER_ADDRESS = 5;
export const EMAIL_CODE_WINDOW_SECONDS = 15 * 60;
export const EMAIL_CODE_DIGITS = 6;
/**
 * Wrong codes per address, per tenant, per day, after which no working code is sent to it until the day is over.
 * Without it, 5 codes × 5 tries per 15 minutes would be 2,400 guesses a day at one account's recovery.
 */
export const WRONG_CODES_PER_DAY = 20;
const DAY = 86_400;

export type CodeCheck =
  | { readonly outcome: 'verified'; readonly flow: EmailFlow }
  | { readonly outcome: 'wrong'; readonly attemptsLeft: number }
  | { readonly outcome: 'exhausted' | 'expired' | 'already-verified' | 'not-found' };

/** A uniformly random code of EMAIL_CODE_DIGITS digits. */
export function newEmailCode(): string {
  return String(randomInt(0, 10 ** EMAIL_CODE_DIGITS)).padStart(EMAIL_CODE_DIGITS, '0');
}

/** Codes have ~20 bits: the hash keeps them out of the table's plain text, the attempt limit is what protects them. */
function codeHash(flowId: string, code: string): string {
  return sha256(`keyway:email-code:${flowId}:${code}`);
}

export class EmailFlowRepository {
  constructor(private readonly table: Table) {}

  /**
   * Counts one code sent to `email` in the current window, unless the address already had its allowance: the
   * condition makes the count and the check one write, so parallel requests cannot exceed it. Returns false when
   * the allowance is spent.
   */
  async countCodeSent(tenantId: string, email: string): Promise<boolean> {
    const now = epochSeconds(this.table.clock);
    const windowStart = now - (now % EMAIL_CODE_WINDOW_SECONDS);
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.rateCounter(tenantId, `email-code:${sha256(email)}`, windowStart, 0),
          UpdateExpression: 'ADD sent :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(sent) OR sent < :max',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':max': EMAIL_CODES_PER_ADDRESS,
            ':ttl': windowStart + EMAIL_CODE_WINDOW_SECONDS + 120,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  private wrongCodesKey(tenantId: string, email: string) {
    const now = epochSeconds(this.table.clock);
    const windowStart = now - (now % DAY);
    return {
      key: keys.rateCounter(tenantId, `email-wrong:${sha256(email)}`, windowStart, 0),
      ttl: windowStart + DAY + 120,
    };
  }

  private async countWrongCode(tenantId: string, email: string): Promise<void> {
    const { key, ttl } = this.wrongCodesKey(tenantId, email);
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: key,
        UpdateExpression: 'ADD wrong :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':ttl': ttl },
      }),
    );
  }

  /** Whether the address had WRONG_CODES_PER_DAY wrong codes today (then no working code goes to it). */
  async tooManyWrongCodes(tenantId: string, email: string): Promise<boolean> {
    const item = await this.table.get(this.wrongCodesKey(tenantId, email).key, true);
    return Number(item?.wrong ?? 0) >= WRONG_CODES_PER_DAY;
  }

  /**
   * Stores a new flow. With `code`, that code (hashed) opens it; without, it stores the hash of a random value no one
   * knows, so the flow looks and behaves like any other and every code typed for it is simply wrong.
   */
  async createFlow(
    input: Omit<EmailFlow, 'id' | 'attempts' | 'expiresAt' | 'usable' | 'userId'> & { readonly userId?: string },
    code: string | undefined,
  ): Promise<EmailFlow> {
    const id = randomToken(18);
    const expiresAt = epochSeconds(this.table.clock) + EMAIL_CODE_TTL_SECONDS;
    const flow: EmailFlow = {
      ...input,
      id,
      userId: input.userId ?? randomUUID(),
      usable: code !== undefined,
      attempts: 0,
      expiresAt,
    };
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.emailFlow(flow.tenantId, id),
          type: 'email-flow',
          ...flow,
          codeHash: codeHash(id, code ?? randomToken(32)),
          ttl: expiresAt + VERIFIED_FLOW_TTL_SECONDS + 300,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return flow;
  }

  /**
   * Checks a typed code. The attempt is counted first, by a conditional ADD that refuses once the limit, the expiry
   * or a verification was reached, so parallel guesses cannot exceed EMAIL_CODE_MAX_ATTEMPTS. Only then is the code
   * compared (constant time); the right one is marked verified by a second conditional update, which only one of
   * two concurrent right answers can win.
   */
  async checkCode(tenantId: string, flowId: string, interactionId: string, code: string): Promise<CodeCheck> {
    const key = keys.emailFlow(tenantId, flowId);
    const now = epochSeconds(this.table.clock);
    let item: Record<string, unknown> | undefined;
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression:
            'attribute_exists(pk) AND interactionId = :interaction AND attempts < :max AND expiresAt > :now AND attribute_not_exists(verifiedAt)',
          ExpressionAttributeValues: {
            ':one': 1,
            ':interaction': interactionId,
            ':max': EMAIL_CODE_MAX_ATTEMPTS,
            ':now': now,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      item = out.Attributes;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The document client does not unmarshall the item a failed condition returns.
      const raw = (error as { Item?: Record<string, NativeAttributeValue> }).Item;
      const old = raw ? unmarshall(raw) : undefined;
      if (!old || old.interactionId !== interactionId) return { outcome: 'not-found' };
      if (old.verifiedAt !== undefined) return { outcome: 'already-verified' };
      if (Number(old.expiresAt) <= now) return { outcome: 'expired' };
      return { outcome: 'exhausted' };
    }
    if (!item) return { outcome: 'not-found' };
    const attempts = Number(item.attempts);
    if (!safeEqual(codeHash(flowId, code), String(item.codeHash))) {
      await this.countWrongCode(tenantId, String(item.email));
      return attempts >= EMAIL_CODE_MAX_ATTEMPTS
        ? { outcome: 'exhausted' }
        : { outcome: 'wrong', attemptsLeft: EMAIL_CODE_MAX_ATTEMPTS - attempts };
    }
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET verifiedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(verifiedAt) AND codeHash = :hash',
          ExpressionAttributeValues: { ':now': now, ':hash': item.codeHash },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'verified', flow: toFlow(out.Attributes ?? {}) };
    } catch (error) {
      if (isConditionFailed(error)) return { outcome: 'already-verified' };
      throw error;
    }
  }

  /** A flow by id (strongly consistent: it was verified a moment ago, maybe by another function). */
  async findFlow(tenantId: string, flowId: string): Promise<EmailFlow | undefined> {
    const item = await this.table.get(keys.emailFlow(tenantId, flowId), true);
    return item ? toFlow(item) : undefined;
  }

  /**
   * Marks the flow used, inside the transaction that creates the account or adds the passkey: verified, not yet
   * completed, still within VERIFIED_FLOW_TTL_SECONDS of verification. Two passkeys cannot both ride one code.
   */
  completeFlow(flow: EmailFlow, onFailed: () => Error): TransactionPart {
    const now = epochSeconds(this.table.clock);
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.emailFlow(flow.tenantId, flow.id),
          UpdateExpression: 'SET completedAt = :now',
          ConditionExpression:
            'attribute_exists(verifiedAt) AND attribute_not_exists(completedAt) AND verifiedAt > :oldest AND usable = :true',
          ExpressionAttributeValues: { ':now': now, ':oldest': now - VERIFIED_FLOW_TTL_SECONDS, ':true': true },
        },
      },
      onConditionFailed: onFailed,
    };
  }
}

/** Whether a verified flow may still create its passkey (the transaction's condition decides for good). */
export function isFlowOpen(flow: EmailFlow, now: number): boolean {
  return (
    flow.usable &&
    flow.verifiedAt !== undefined &&
    flow.completedAt === undefined &&
    flow.verifiedAt > now - VERIFIED_FLOW_TTL_SECONDS
  );
}

function toFlow(item: Record<string, unknown>): EmailFlow {
  const { codeHash: _hash, ...rest } = item;
  return strip<EmailFlow>(rest);
}
