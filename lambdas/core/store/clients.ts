import { Conflict } from '../errors.ts';
import type { GrantType } from '../oidc/grant-types.ts';
import type { RegistrationConstraints } from './initial-access-tokens.ts';
import { unchangedSince } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Item, Table } from './table.ts';
import { commit, type TransactionPart } from './transaction.ts';

export type { GrantType };
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export type ClientType = 'service' | 'agent';

export interface Client {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly tokenEndpointAuthMethod: ClientAuthMethod;
  /** Space-separated scopes the client may request. */
  readonly scope: string;
  /** SHA-256 (base64url) of the client secret; absent for public clients. */
  readonly secretHash?: string;
  /** After a rotation: the previous secret's hash, accepted until `previousSecretExpiresAt` (epoch seconds). */
  readonly previousSecretHash?: string;
  readonly previousSecretExpiresAt?: number;
  /** `aud` of access tokens (the client's API); defaults to the client id. */
  readonly audience?: string;
  /**
   * What the client is when it acts as itself (client_credentials): a backend `service` or an `agent` (software
   * acting on its own judgement); the `client_type` claim of its tokens. Absent: `service`.
   */
  readonly clientType?: ClientType;
  /**
   * The RFC 8707 resource servers (their identifiers) the client may ask tokens for with `resource`; absent: any
   * resource the tenant registered; empty: none. Not checked against the registered resources when written (one may
   * be registered later): authorize and token check a request against both.
   */
  readonly resources?: readonly string[];
  /**
   * RFC 8693: the client may act for users (token exchange, as the actor), within these bounds. Absent: it may not.
   */
  readonly tokenExchange?: TokenExchangePolicy;
  /** Token lifetimes for this client, in seconds; each one absent falls back to the tenant's setting. */
  readonly lifetimes?: ClientLifetimes;
  /**
   * The tenant's own application (true) or someone else's (false). A third-party client gets the consent page after
   * sign-in (lambdas/core/oidc/consent.ts); `offline_access` asks on any client. Absent (clients stored before the
   * field existed): first-party.
   */
  readonly firstParty?: boolean;
  /** RFC 9126 §6: authorize takes only pushed requests from this client (the tenant may require them of all). */
  readonly requirePushedAuthorizationRequests?: boolean;
  /**
   * Registered through the registration endpoint (RFC 7591): how, under which bounds, and the hash of its
   * registration access token (RFC 7592). Absent: registered by an administrator.
   */
  readonly registration?: DynamicRegistration;
  /**
   * Not registered: described by its Client ID Metadata Document, whose URL is the client id
   * (core/oidc/client-metadata-documents.ts). Such a client is never stored as a client, and it is always asked about.
   */
  readonly fromMetadataDocument?: true;
  /** Web origins allowed to call token/userinfo/revoke from a browser (CORS). */
  readonly allowedOrigins: readonly string[];
  readonly issuedAt: number;
  /** Epoch milliseconds of the last metadata change or secret rotation (optimistic concurrency for PATCH). */
  readonly updatedAt?: number;
}

export interface DynamicRegistration {
  /** `iat:{tokenId}` (the initial access token it was registered with) or `open` (open registration). */
  readonly via: string;
  /** The bounds of that token (or of open registration), which RFC 7592 updates are held to as well. */
  readonly constraints: RegistrationConstraints;
  /** SHA-256 (base64url) of the registration access token (RFC 7592 §1.1); the token is shown once. */
  readonly accessTokenHash: string;
}

export interface TokenExchangePolicy {
  /** The most a delegated token may carry; absent: whatever the subject token has (scopes only ever narrow). */
  readonly scopes?: readonly string[];
  /** Resources (RFC 8707 identifiers) it may get delegated tokens for; absent: only the subject token's audience. */
  readonly resources?: readonly string[];
  /** Longest lifetime of a delegated token, seconds; it never outlives the subject token either. */
  readonly maxLifetimeSeconds?: number;
}

export interface ClientLifetimes {
  readonly accessTokenTtlSeconds?: number;
  readonly idTokenTtlSeconds?: number;
  readonly refreshTokenTtlSeconds?: number;
}

export class ClientRepository {
  constructor(private readonly table: Table) {}

  /** Registers a client and its CORS origins in one transaction; the client id is claimed conditionally. */
  async createClient(client: Client): Promise<void> {
    await commit(this.table, this.createClientParts(client));
  }

  createClientParts(client: Client): TransactionPart[] {
    return this.clientParts(client, 'attribute_not_exists(pk)');
  }

  async listClients(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<Client>> {
    const out = await queryPage(this.table, { partition: keys.tenant(tenantId).pk, sortPrefix: 'CLIENT#' }, page);
    return { ...out, items: out.items.map(toClient) };
  }

  /** `consistent` for admin edits, whose conditions compare with what was read. */
  async findClient(tenantId: string, clientId: string, consistent = false): Promise<Client | undefined> {
    const item = await this.table.get(keys.client(tenantId, clientId), consistent);
    return item ? toClient(item) : undefined;
  }

  /**
   * CORS: is this exact origin registered by some live client of the tenant? Each origin item counts the clients that
   * registered it (a string set of client ids), so deleting or editing one client never drops another's origin.
   */
  async isOriginAllowed(tenantId: string, origin: string): Promise<boolean> {
    const item = await this.table.get(keys.origin(tenantId, origin));
    if (!item) return false;
    // An origin stored before claims were counted (until scripts/backfill-admin-indexes.ts) stays allowed, as it was.
    if (item.claimsCounted === undefined) return true;
    return item.clients instanceof Set && item.clients.size > 0;
  }

  /**
   * Writes a client that local mode seeds (the demo app), replacing an earlier seed: the seed follows BASE_URL when
   * local mode restarts on another port or host. (Origins of an earlier seed stay allowed; local mode only.)
   */
  async putSeededClient(client: Client): Promise<void> {
    await commit(this.table, this.clientParts(client));
  }

  /**
   * Replaces a client's metadata (PATCH), conditioned on the stored item being the one `old` was read from (its
   * updatedAt), so two concurrent edits cannot interleave: the loser is a 409 and writes nothing.
   * Origins no longer registered lose this client's claim; new ones gain it.
   */
  updateClientParts(old: Client, next: Client): TransactionPart[] {
    const added = next.allowedOrigins.filter((o) => !old.allowedOrigins.includes(o));
    const removed = old.allowedOrigins.filter((o) => !next.allowedOrigins.includes(o));
    return [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: { ...keys.client(next.tenantId, next.clientId), type: 'client', ...next },
            ...unchangedSince(old),
          },
        },
        onConditionFailed: () =>
          new Conflict('The client changed (or was deleted) concurrently; read it again and retry.'),
      },
      ...added.map((origin) => this.originClaim(next, origin, 'ADD')),
      ...removed.map((origin) => this.originClaim(next, origin, 'DELETE')),
    ];
  }

  /** Removes the client and its claims on origins; every token of it stops working (see docs/ADMIN-API.md). */
  deleteClientParts(client: Client): TransactionPart[] {
    return [
      {
        write: {
          Delete: {
            TableName: this.table.name,
            Key: keys.client(client.tenantId, client.clientId),
            ...unchangedSince(client),
          },
        },
        // Changed since it was read (its origins may differ from the claims this transaction drops), or gone.
        onConditionFailed: () =>
          new Conflict('The client changed (or was deleted) concurrently; read it again and retry.'),
      },
      ...client.allowedOrigins.map((origin) => this.originClaim(client, origin, 'DELETE')),
    ];
  }

  /**
   * Sets a new secret hash. The old one stays valid until `previousExpiresAt` (0 overlap: revoked now). Conditioned
   * on the secret not having been rotated since it was read, so two rotations racing cannot both keep "their" old
   * secret alive.
   */
  rotateSecretPart(client: Client, newSecretHash: string, previousExpiresAt: number | undefined): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.client(client.tenantId, client.clientId),
          UpdateExpression:
            previousExpiresAt === undefined
              ? 'SET secretHash = :new, updatedAt = :now REMOVE previousSecretHash, previousSecretExpiresAt'
              : 'SET secretHash = :new, updatedAt = :now, previousSecretHash = :old, previousSecretExpiresAt = :until',
          ConditionExpression: 'attribute_exists(pk) AND secretHash = :old',
          ExpressionAttributeValues: {
            ':new': newSecretHash,
            ':old': client.secretHash,
            ':now': this.table.clock.now(),
            ...(previousExpiresAt !== undefined ? { ':until': previousExpiresAt } : {}),
          },
        },
      },
      onConditionFailed: () => new Conflict('The client secret was rotated (or the client deleted) concurrently.'),
    };
  }

  /** Adds or removes this client's claim on an origin (a string set; an origin with no claims allows nothing). */
  private originClaim(client: Client, origin: string, action: 'ADD' | 'DELETE'): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.origin(client.tenantId, origin),
          UpdateExpression: `SET #type = :type, origin = :origin, claimsCounted = :true ${action} clients :client`,
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': 'origin',
            ':origin': origin,
            ':true': true,
            ':client': new Set([client.clientId]),
          },
        },
      },
    };
  }

  /** The client and its claims on its CORS origins, the client's put under `condition` when given. */
  private clientParts(client: Client, condition?: string): TransactionPart[] {
    return [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: { ...keys.client(client.tenantId, client.clientId), type: 'client', ...client },
            ...(condition ? { ConditionExpression: condition } : {}),
          },
        },
        onConditionFailed: () => new Conflict(`The client id "${client.clientId}" is taken.`),
      },
      ...client.allowedOrigins.map((origin) => this.originClaim(client, origin, 'ADD')),
    ];
  }
}

export function toClient(item: Item): Client {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as Client;
}
