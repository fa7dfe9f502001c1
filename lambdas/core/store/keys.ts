/**
 * Every key the table uses, in one place. Every partition key starts with `T#{tenantId}` so no query can
 * cross tenants; the table of entities and access patterns is in docs/ARCHITECTURE.md.
 * Secrets (codes, refresh tokens, session ids) appear in keys only as SHA-256 hashes.
 */
import { sha256 } from '../crypto.ts';

const t = (tenantId: string) => `T#${tenantId}`;

export const keys = {
  tenant: (tenantId: string) => ({ pk: t(tenantId), sk: 'TENANT' }),
  /** GSI1 listing of all tenants for the platform operator. */
  tenantIndex: (tenantId: string) => ({ gsi1pk: 'TENANTS', gsi1sk: t(tenantId) }),

  /**
   * Left by a tenant deletion until every item of the tenant is purged, so the id cannot be taken again before
   * that; the purge removes it last.
   */
  tenantTombstone: (tenantId: string) => ({ pk: t(tenantId), sk: 'DELETED' }),
  /** A tenant API key (its secret is stored only as a hash); listed by Query on the tenant partition. */
  apiKey: (tenantId: string, keyId: string) => ({ pk: t(tenantId), sk: `APIKEY#${keyId}` }),
  /**
   * An initial access token for dynamic client registration (RFC 7591 §3, store/initial-access-tokens.ts): its
   * secret is stored only as a hash; listed by Query on the tenant partition, spent by a conditional ADD.
   */
  initialAccessToken: (tenantId: string, tokenId: string) => ({ pk: t(tenantId), sk: `IAT#${tokenId}` }),
  /** The tenant's audit log: one partition, sorted by time (ISO timestamp + random suffix), read newest first. */
  auditEntry: (tenantId: string, sortKey: string) => ({ pk: `${t(tenantId)}#AUDIT`, sk: sortKey }),
  /**
   * A stored admin response for an Idempotency-Key. `scope` is the tenant the credential acts for (or
   * `_platform` for operator calls outside any tenant); the key string is hashed so its length cannot matter.
   */
  idempotency: (scope: string, keyHash: string) => ({ pk: `${t(scope)}#IDEM#${keyHash}`, sk: 'IDEM' }),

  /**
   * A rate-limit counter (core/rate-limit/limiter.ts): one item per scope (`tenant`, or a route and a hashed source),
   * window start (epoch seconds) and shard. The window is in the partition key so each window's counters spread over
   * fresh partitions; functions may UpdateItem only keys that start `T#…#RL#` (lib/api.ts).
   */
  rateCounter: (tenantId: string, scope: string, windowStart: number, shard: number) => ({
    pk: `${t(tenantId)}#RL#${scope}#${windowStart}#${shard}`,
    sk: 'RL',
  }),

  /** A registered resource server (RFC 8707); listed by Query on the tenant partition. */
  resource: (tenantId: string, resourceId: string) => ({ pk: t(tenantId), sk: `RESOURCE#${resourceId}` }),
  client: (tenantId: string, clientId: string) => ({ pk: t(tenantId), sk: `CLIENT#${clientId}` }),
  /**
   * A client described by its Client ID Metadata Document, as last fetched and validated (store/client-metadata-
   * documents.ts): a cache with a `ttl`, shared by authorize, consent and token. The URL is hashed (it may be longer
   * than a sort key may be); the item holds it too.
   */
  clientMetadataDocument: (tenantId: string, url: string) => ({ pk: t(tenantId), sk: `CIMD#${sha256(url)}` }),
  /** A web origin some client of the tenant registered (CORS allow-list for token/userinfo/revoke). */
  origin: (tenantId: string, origin: string) => ({ pk: t(tenantId), sk: `ORIGIN#${origin}` }),

  user: (tenantId: string, userId: string) => ({ pk: `${t(tenantId)}#U#${userId}`, sk: 'USER' }),
  /** GSI1: the tenant's users in creation order (admin listing). */
  userIndex: (tenantId: string, createdAt: number, userId: string) => ({
    gsi1pk: `${t(tenantId)}#USERS`,
    gsi1sk: `U#${String(createdAt).padStart(12, '0')}#${userId}`,
  }),
  /** GSI1 partition of everything of one user: passkeys (CRED#), sessions (SES#) and token families (GRANT#). */
  userItemsIndex: (tenantId: string, userId: string) => `${t(tenantId)}#U#${userId}`,
  /** A custom role of the tenant (built-in roles have no item); counts the users it is assigned to. */
  role: (tenantId: string, name: string) => ({ pk: t(tenantId), sk: `ROLE#${name}` }),
  /**
   * The user's one invitation (store/invitations.ts), next to the user item: issuing a new one overwrites it, so the
   * old link dies in the same write. The link's secret is stored only as a hash, never in a key.
   */
  invitation: (tenantId: string, userId: string) => ({ pk: `${t(tenantId)}#U#${userId}`, sk: 'INVITE' }),
  /**
   * What the user allowed a client (store/consents.ts), in the user's own partition: one GetItem at sign-in, and the
   * user's consents are one Query on the partition (sort keys `CONSENT#`) for the account page.
   */
  consent: (tenantId: string, userId: string, clientId: string) => ({
    pk: `${t(tenantId)}#U#${userId}`,
    sk: `CONSENT#${clientId}`,
  }),
  /** Uniqueness claim on a user's external id (the tenant's own id for the person), hashed: it may hold any text. */
  externalId: (tenantId: string, externalId: string) => ({
    pk: `${t(tenantId)}#EXT#${sha256(externalId)}`,
    sk: 'EXT',
  }),
  /** Uniqueness claim on a (lower-cased) email address. */
  email: (tenantId: string, email: string) => ({ pk: `${t(tenantId)}#EMAIL#${email}`, sk: 'EMAIL' }),
  /** A passkey, keyed by credential id so lookups at sign-in are one GetItem and ids stay unique per tenant. */
  passkey: (tenantId: string, credentialId: string) => ({ pk: `${t(tenantId)}#CRED#${credentialId}`, sk: 'CRED' }),
  /**
   * GSI1: a user's passkeys. The sort key holds the credential id's hash: ids may be up to 1023 bytes
   * (WebAuthn §5.8.3), longer than a sort key may be.
   */
  passkeyIndex: (tenantId: string, userId: string, credentialId: string) => ({
    gsi1pk: `${t(tenantId)}#U#${userId}`,
    gsi1sk: `CRED#${sha256(credentialId)}`,
  }),
  /**
   * An email verification (sign-up or recovery code): the code is stored only as a hash; attempts, verification and
   * completion are conditional updates on this one item (store/email-flows.ts).
   */
  emailFlow: (tenantId: string, flowId: string) => ({ pk: `${t(tenantId)}#EF#${flowId}`, sk: 'EF' }),
  /** A WebAuthn challenge, single use. */
  challenge: (tenantId: string, challengeId: string) => ({ pk: `${t(tenantId)}#CHAL#${challengeId}`, sk: 'CHAL' }),

  /** A device authorization request (RFC 8628), by the SHA-256 of its device code. */
  deviceCode: (tenantId: string, deviceCodeHash: string) => ({ pk: `${t(tenantId)}#DEV#${deviceCodeHash}`, sk: 'DEV' }),
  /** The claim on a user code (normalized), naming its device request; free again once expired. */
  userCode: (tenantId: string, userCode: string) => ({ pk: `${t(tenantId)}#UC#${userCode}`, sk: 'UC' }),
  /** A pushed authorization request (RFC 9126), by the SHA-256 of its request_uri's reference; single use, 60 s. */
  pushedRequest: (tenantId: string, referenceHash: string) => ({
    pk: `${t(tenantId)}#PAR#${referenceHash}`,
    sk: 'PAR',
  }),
  /** A step-up action started by `POST {issuer}/init-auth` (store/step-ups.ts), by the init token's `jti`. */
  stepUp: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#ACT#${id}`, sk: 'ACT' }),
  /** A pending authorization request while the user signs in on the hosted pages. */
  interaction: (tenantId: string, interactionId: string) => ({
    pk: `${t(tenantId)}#INT#${interactionId}`,
    sk: 'INT',
  }),
  session: (tenantId: string, sessionHash: string) => ({ pk: `${t(tenantId)}#SES#${sessionHash}`, sk: 'SES' }),
  /** GSI1: a user's sessions (sign out everywhere, the admin listing). */
  sessionIndex: (tenantId: string, userId: string, sessionHash: string) => ({
    gsi1pk: `${t(tenantId)}#U#${userId}`,
    gsi1sk: `SES#${sessionHash}`,
  }),
  code: (tenantId: string, codeHash: string) => ({ pk: `${t(tenantId)}#CODE#${codeHash}`, sk: 'CODE' }),
  /** A token family: everything issued from one authorization code. */
  grant: (tenantId: string, grantId: string) => ({ pk: `${t(tenantId)}#GRANT#${grantId}`, sk: 'GRANT' }),
  /** GSI1: a user's token families (revoked by sign-out-everywhere, suspension and deletion). */
  grantIndex: (tenantId: string, userId: string, grantId: string) => ({
    gsi1pk: `${t(tenantId)}#U#${userId}`,
    gsi1sk: `GRANT#${grantId}`,
  }),
  refreshToken: (tenantId: string, tokenHash: string) => ({ pk: `${t(tenantId)}#RT#${tokenHash}`, sk: 'RT' }),
  /** An individually revoked access token (RFC 7009), kept until the token would have expired. */
  revokedAccessToken: (tenantId: string, jti: string) => ({ pk: `${t(tenantId)}#JTI#${jti}`, sk: 'REVOKED' }),

  /**
   * An event (the transactional outbox and the ordered feed at once), in one of the tenant's event shards, sorted by
   * its time-ordered id. Shards spread a busy tenant's writes over several partitions; `TEST` holds webhook.test
   * events, which the feed leaves out.
   */
  event: (tenantId: string, shard: number | 'TEST', eventId: string) => ({
    pk: `${t(tenantId)}#EVT#${shard}`,
    sk: eventId,
  }),
  /** A webhook subscription; listed (for the admin API and for every dispatch) by Query on the tenant partition. */
  webhook: (tenantId: string, webhookId: string) => ({ pk: t(tenantId), sk: `WEBHOOK#${webhookId}` }),
  /** A delivery of one event to one subscription, with its attempts; the subscription's log, oldest id first. */
  delivery: (tenantId: string, webhookId: string, deliveryId: string) => ({
    pk: `${t(tenantId)}#WH#${webhookId}`,
    sk: `DLV#${deliveryId}`,
  }),
  /**
   * Local mode only: the durable queue that stands in for SQS, one partition, sorted by due time. `_local` is no
   * tenant id (those cannot start with `_`).
   */
  localQueueMessage: (dueAtMs: number, messageId: string) => ({
    pk: 'T#_local#QUEUE',
    sk: `${String(dueAtMs).padStart(15, '0')}#${messageId}`,
  }),
  /** Local mode's dead-letter queue: deliveries whose last attempt failed, by time. */
  localDeadLetter: (atMs: number, messageId: string) => ({
    pk: 'T#_local#DLQ',
    sk: `${String(atMs).padStart(15, '0')}#${messageId}`,
  }),
} as const;
