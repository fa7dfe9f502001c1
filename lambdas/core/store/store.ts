import type { Clock } from '../clock.ts';
import { ApiKeyRepository } from './api-keys.ts';
import { AuditLogRepository } from './audit-log.ts';
import { ChallengeRepository } from './challenges.ts';
import { ClientMetadataDocumentRepository, isMetadataDocumentClientId } from './client-metadata-documents.ts';
import { type Client, ClientRepository, toClient } from './clients.ts';
import { CodeRepository } from './codes.ts';
import { ConsentRepository } from './consents.ts';
import { DeviceRepository } from './devices.ts';
import { EmailFlowRepository } from './email-flows.ts';
import { type EventRelay, EventRepository } from './events.ts';
import { IdempotencyRepository } from './idempotency.ts';
import { InitialAccessTokenRepository } from './initial-access-tokens.ts';
import { InteractionRepository } from './interactions.ts';
import { InvitationRepository } from './invitations.ts';
import { keys } from './keys.ts';
import { PushedRequestRepository } from './pushed-requests.ts';
import { ResourceRepository } from './resources.ts';
import { RoleRepository } from './roles.ts';
import { SessionRepository } from './sessions.ts';
import { StepUpRepository } from './step-ups.ts';
import type { Item, Key, Table } from './table.ts';
import { type Tenant, TenantRepository, toTenant } from './tenants.ts';
import { type Delegation, type Grant, TokenRepository, toGrant } from './tokens.ts';
import { isUserActive, toUser, type User, UserRepository } from './users.ts';
import { WebhookRepository } from './webhooks.ts';

/** What a token request needs before it can decide anything, read in one round trip. */
export interface TokenRequestItems {
  readonly tenant?: Tenant;
  readonly client?: Client;
  /** The grant's own keys (its module's `preload`), in order; undefined for an absent item. */
  readonly extra: (Item | undefined)[];
}

/** A token's family and user, when everything the token depends on is still alive. */
export interface LiveGrant {
  readonly grant: Grant;
  readonly user: User;
}

/** The store: one repository per aggregate, all over the same single table. */
export class Store {
  readonly tenants: TenantRepository;
  readonly clients: ClientRepository;
  readonly users: UserRepository;
  readonly interactions: InteractionRepository;
  readonly sessions: SessionRepository;
  readonly codes: CodeRepository;
  readonly challenges: ChallengeRepository;
  readonly roles: RoleRepository;
  readonly tokens: TokenRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly initialAccessTokens: InitialAccessTokenRepository;
  readonly auditLog: AuditLogRepository;
  readonly idempotency: IdempotencyRepository;
  readonly events: EventRepository;
  readonly webhooks: WebhookRepository;
  readonly resources: ResourceRepository;
  readonly devices: DeviceRepository;
  readonly emailFlows: EmailFlowRepository;
  readonly invitations: InvitationRepository;
  readonly consents: ConsentRepository;
  readonly pushedRequests: PushedRequestRepository;
  readonly stepUps: StepUpRepository;
  readonly clientMetadataDocuments: ClientMetadataDocumentRepository;

  /** `relay`: how outbox events reach the dispatcher (the table stream in AWS, the local queue in local mode). */
  constructor(
    readonly table: Table,
    options: { relay?: EventRelay } = {},
  ) {
    this.events = new EventRepository(table, options.relay);
    this.webhooks = new WebhookRepository(table);
    this.resources = new ResourceRepository(table);
    this.devices = new DeviceRepository(table);
    this.emailFlows = new EmailFlowRepository(table);
    this.invitations = new InvitationRepository(table);
    this.pushedRequests = new PushedRequestRepository(table);
    this.stepUps = new StepUpRepository(table);
    this.consents = new ConsentRepository(table);
    this.clientMetadataDocuments = new ClientMetadataDocumentRepository(table);
    this.apiKeys = new ApiKeyRepository(table);
    this.initialAccessTokens = new InitialAccessTokenRepository(table);
    this.auditLog = new AuditLogRepository(table);
    this.idempotency = new IdempotencyRepository(table);
    this.tenants = new TenantRepository(table);
    this.clients = new ClientRepository(table);
    this.users = new UserRepository(table, this.events);
    this.interactions = new InteractionRepository(table);
    this.sessions = new SessionRepository(table, this.events);
    this.codes = new CodeRepository(table);
    this.challenges = new ChallengeRepository(table);
    this.roles = new RoleRepository(table);
    this.tokens = new TokenRepository(table, this.events);
  }

  get clock(): Clock {
    return this.table.clock;
  }

  /**
   * Is a token still usable? One strongly consistent BatchGetItem decides it: its family exists and is not revoked,
   * the access token itself was not revoked (RFC 7009; `jti` absent for refresh tokens), its client still exists
   * (deleting a client ends its tokens) and its user exists and is not suspended.
   */
  async liveGrant(
    tenantId: string,
    token: { readonly grantId: string; readonly clientId: string; readonly userId: string; readonly jti?: string },
  ): Promise<LiveGrant | undefined> {
    const wanted: Key[] = [
      keys.grant(tenantId, token.grantId),
      keys.client(tenantId, token.clientId),
      keys.user(tenantId, token.userId),
      ...(token.jti !== undefined ? [keys.revokedAccessToken(tenantId, token.jti)] : []),
    ];
    const [grantItem, clientItem, userItem, revokedItem] = await this.table.batchGet(wanted);
    if (!grantItem || revokedItem) return undefined;
    const grant = toGrant(grantItem);
    if (grant.userId !== token.userId || grant.clientId !== token.clientId) return undefined;
    return aliveGrant(grant, clientItem, userItem);
  }

  /**
   * Is every link of a delegated family's chain still alive (one strongly consistent BatchGetItem of at most
   * 5 × MAX_DELEGATION_DEPTH keys)? Each ancestor family exists and is not revoked, no subject or actor token it came
   * from was revoked (RFC 7009), and every client that acted, and the client of every ancestor family, still exists.
   */
  async liveDelegation(tenantId: string, delegation: Delegation): Promise<boolean> {
    const markers = [...delegation.parentJtis, ...delegation.actorJtis];
    // A client described by its metadata document has no item whose deletion could end its tokens (see aliveGrant).
    const clients = [...delegation.actors, ...delegation.parentClients].filter((id) => !isMetadataDocumentClientId(id));
    const items = await this.table.batchGet([
      ...delegation.parents.map((id) => keys.grant(tenantId, id)),
      ...clients.map((id) => keys.client(tenantId, id)),
      ...markers.map((jti) => keys.revokedAccessToken(tenantId, jti)),
    ]);
    const parents = items.slice(0, delegation.parents.length);
    const actors = items.slice(delegation.parents.length, delegation.parents.length + clients.length);
    const revoked = items.slice(delegation.parents.length + clients.length);
    return (
      parents.every((item) => item !== undefined && item.revokedAt === undefined) &&
      actors.every((item) => item !== undefined) &&
      revoked.every((item) => item === undefined)
    );
  }

  /** A client's own access token (client_credentials) is alive while its client exists and the token is not revoked. */
  async liveClientToken(tenantId: string, clientId: string, jti: string): Promise<Client | undefined> {
    const [clientItem, revokedItem] = await this.table.batchGet([
      keys.client(tenantId, clientId),
      keys.revokedAccessToken(tenantId, jti),
    ]);
    return clientItem && !revokedItem ? toClient(clientItem) : undefined;
  }

  /** liveGrant for a family already read with its refresh token: only its client and its user are read. */
  async liveGrantOf(grant: Grant): Promise<LiveGrant | undefined> {
    const [clientItem, userItem] = await this.table.batchGet([
      keys.client(grant.tenantId, grant.clientId),
      keys.user(grant.tenantId, grant.userId),
    ]);
    return aliveGrant(grant, clientItem, userItem);
  }

  /**
   * The token endpoint's reads as one strongly consistent BatchGetItem: the tenant, the client and what the grant
   * needs (for a refresh, the presented token and its family). One SDK call instead of three (each costs about 1 ms
   * of CPU in the SDK).
   */
  async loadTokenRequest(
    tenantId: string,
    clientId: string | undefined,
    extra: readonly Key[] = [],
  ): Promise<TokenRequestItems> {
    const wanted: Key[] = [keys.tenant(tenantId)];
    if (clientId !== undefined) wanted.push(keys.client(tenantId, clientId));
    const [tenant, ...rest] = await this.table.batchGet([...wanted, ...extra]);
    const client = clientId !== undefined ? rest.shift() : undefined;
    return {
      ...(tenant ? { tenant: toTenant(tenant) } : {}),
      ...(client ? { client: toClient(client) } : {}),
      extra: rest,
    };
  }
}

/**
 * A family is alive while it is not revoked, its client exists and its user exists, unsuspended and not signed out
 * since. A client described by its Client ID Metadata Document is no item: it ends when its document goes or the
 * tenant stops accepting it, which the token endpoint finds when it resolves the client for a refresh (access tokens
 * run out on their own).
 */
function aliveGrant(grant: Grant, clientItem: Item | undefined, userItem: Item | undefined): LiveGrant | undefined {
  const clientAlive = clientItem !== undefined || isMetadataDocumentClientId(grant.clientId);
  if (grant.revokedAt !== undefined || !clientAlive || !userItem) return undefined;
  const user = toUser(userItem);
  return isUserActive(user, grant.authTime) ? { grant, user } : undefined;
}
