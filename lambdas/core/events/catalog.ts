/**
 * The event catalog: every type an event may have, what its `data` holds and why it is emitted. docs/WEBHOOKS.md
 * shows one example payload per type; test/events/catalog.test.ts keeps the two in step. `data` never holds a
 * secret, a token, a code or a hash of one.
 */
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.suspended',
  'user.deleted',
  'user.signed_in',
  'passkey.added',
  'passkey.removed',
  'session.revoked',
  'consent.revoked',
  'token.revoked',
  'client.created',
  'client.updated',
  'client.deleted',
  'client.secret_rotated',
  'api_key.created',
  'api_key.revoked',
  'webhook.disabled',
  'action.completed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Sent only to the subscription it tests (POST …/webhooks/{id}/test), through the same outbox, queue and
 * dispatcher as every other event; it is not part of the catalog a subscription chooses from, nor of the feed.
 */
export const TEST_EVENT_TYPE = 'webhook.test';

const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
export function isEventType(value: string): value is EventType {
  return TYPES.has(value);
}

/** Why a token family (or one access token) stopped working: `token.revoked`'s `reason`. */
export type TokenRevocationReason =
  | 'revocation' // RFC 7009: the client revoked it
  | 'reuse_detected' // a rotated refresh token was presented again (RFC 9700 §4.14.2)
  | 'code_replayed' // its authorization code was redeemed twice (RFC 6749 §4.1.2)
  | 'logout' // the user signed out
  | 'admin' // an administrator suspended, deleted or signed out the user
  | 'user' // the user signed out everywhere, or revoked the app, on the account page
  | 'user_deleted'
  | 'client_deleted';

/** Why sessions ended: `session.revoked`'s `reason`. */
export type SessionRevocationReason = 'logout' | 'admin' | 'user' | 'suspended' | 'deleted';

/** What an emitting code path hands to the outbox; the outbox adds `id`, `timestamp` and `tenant_id`. */
export interface EventInput {
  /** Drawn by the outbox unless the caller needs to know it first (newEventId; the test endpoint returns it). */
  readonly id?: string;
  readonly type: EventType | typeof TEST_EVENT_TYPE;
  readonly data: Readonly<Record<string, unknown>>;
}

/** An event as webhooks deliver it and the feed returns it. */
export interface KeywayEvent {
  /** `evt_` + a ULID: unique, stable across retries, and ordered by the time it was created. */
  readonly id: string;
  readonly type: EventInput['type'];
  /** ISO 8601, the time encoded in the id. */
  readonly timestamp: string;
  readonly tenant_id: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Does a subscription's `events` list (types, or `["*"]`) take this type? */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}
