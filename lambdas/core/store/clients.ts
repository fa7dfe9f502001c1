import { Conflict } from '../errors.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Item, Table } from './table.ts';
import { commit, type TransactionPart } from './transaction.ts';

export type GrantType = 'authorization_code' | 'refresh_token';
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

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
  /** `aud` of access tokens (the client's API); defaults to the client id. */
  readonly audience?: string;
  /** Token lifetimes for this client, in seconds; each one absent falls back to the tenant's setting. */
  readonly lifetimes?: ClientLifetimes;
  /** Web origins allowed to call token/userinfo/revoke from a browser (CORS). */
  readonly allowedOrigins: readonly string[];
  readonly issuedAt: number;
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

  async findClient(tenantId: string, clientId: string): Promise<Client | undefined> {
    const item = await this.table.get(keys.client(tenantId, clientId));
    return item ? toClient(item) : undefined;
  }

  /** CORS: was this exact origin registered by some client of the tenant? */
  async isOriginAllowed(tenantId: string, origin: string): Promise<boolean> {
    return (await this.table.get(keys.origin(tenantId, origin))) !== undefined;
  }

  /**
   * Writes a client that local mode seeds (the demo app), replacing an earlier seed: the seed follows BASE_URL when
   * local mode restarts on another port or host. (Origins of an earlier seed stay allowed; local mode only.)
   */
  async putSeededClient(client: Client): Promise<void> {
    await commit(this.table, this.clientParts(client));
  }

  /** The client and its CORS origins, the client's put under `condition` when given. */
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
      ...client.allowedOrigins.map((origin) => ({
        write: {
          Put: {
            TableName: this.table.name,
            Item: { ...keys.origin(client.tenantId, origin), type: 'origin', origin },
          },
        },
      })),
    ];
  }
}

export function toClient(item: Item): Client {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as Client;
}
