import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActionsSetting } from '../actions/rules.ts';
import type { Branding } from '../branding.ts';
import { Conflict, NotFound } from '../errors.ts';
import type { Plan } from '../vocabulary.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import { TABLE_SCHEMA } from './schema.ts';
import { type Item, isConditionFailed, type Key, retryOnTransactionConflict, type Table } from './table.ts';
import { commit, type TransactionPart } from './transaction.ts';

export { PLANS, type Plan } from '../vocabulary.ts';

export interface TenantSettings {
  /** WebAuthn RP ID. Unset means the host of BASE_URL. It cannot change later without losing every passkey. */
  readonly rpId?: string;
  /** Whether anyone may create an account from the hosted pages. */
  readonly signUpOpen: boolean;
  /**
   * `email` (default): sign-up first proves the address with an emailed code, and the account starts with
   * `email_verified: true`. `none`: the address is whatever the person typed (`email_verified: false`), which lets
   * anyone claim anyone's address and tells whether an address is registered; documented as the weaker choice.
   */
  readonly signUpVerification: 'email' | 'none';
  /**
   * Dynamic client registration (RFC 7591) without an initial access token: anyone may register a public client
   * (token_endpoint_auth_method `none`, third-party, so its sign-ins ask for consent). Default false: registration
   * needs an initial access token an administrator issued.
   */
  readonly openClientRegistration: boolean;
  /** Window in which a just-rotated refresh token may be presented again (concurrent tabs, retries). */
  readonly refreshGraceSeconds: number;
  readonly accessTokenTtlSeconds: number;
  readonly idTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  /** RFC 9126 §5: authorize accepts only pushed requests (a `request_uri` from `{issuer}/par`) from every client. */
  readonly requirePushedAuthorizationRequests: boolean;
  /** How the hosted pages (and emails) look: name, logo, colours, footer links (core/branding.ts). */
  readonly branding?: Branding;
  /**
   * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, how MCP clients identify themselves): a
   * `client_id` that is an https URL is resolved by fetching its JSON metadata (core/oidc/client-metadata-documents.ts),
   * from the listed hosts only or from any host. Absent: off, and such a client_id is an unknown client.
   */
  readonly clientIdMetadataDocuments?: ClientIdMetadataDocumentsSetting;
  /** Step-up actions' rules, per action name (core/actions/rules.ts); an action without rules is challenged. */
  readonly actions?: ActionsSetting;
}

/** Which `client_id` URLs are fetched: those of these hosts (exact, lower-case names), or any https URL. */
export type ClientIdMetadataDocumentsSetting = { readonly hosts: readonly string[] } | { readonly anyHttps: true };

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  signUpOpen: true,
  signUpVerification: 'email',
  openClientRegistration: false,
  refreshGraceSeconds: 3,
  accessTokenTtlSeconds: 900,
  idTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  sessionTtlSeconds: 7 * 24 * 3600,
  requirePushedAuthorizationRequests: false,
};

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly plan: Plan;
  readonly settings: TenantSettings;
  readonly createdAt: string;
  /**
   * Secret for decoy credentials (base64url), written by createTenant. Read with the tenant so the email-first
   * sign-in needs no second read; never part of an API response. Absent on tenants stored before it existed.
   */
  readonly decoyKey?: string;
  /**
   * Epoch seconds at which the first passkey ceremony used the tenant's RP ID; from then on `rpId` cannot change
   * (every passkey is bound to it). Set once per tenant by lockRpId.
   */
  readonly rpIdLockedAt?: number;
}

/** What PATCH /admin/tenants/{id} may change; `rpId: null` returns to the default (the host of BASE_URL). */
export interface TenantChanges {
  readonly name?: string;
  readonly plan?: Plan;
  readonly settings?: { readonly [K in keyof TenantSettings]?: TenantSettings[K] | null };
}

export class TenantRepository {
  constructor(private readonly table: Table) {}

  /**
   * Claims the tenant id with a conditional put, so two creators cannot both get it; refused while a deleted tenant
   * of the same id is still being purged (its tombstone exists).
   */
  async createTenant(tenant: Tenant): Promise<void> {
    await commit(this.table, this.createTenantParts(tenant));
  }

  /** createTenant's writes, for a transaction that also holds its audit entry. */
  createTenantParts(tenant: Tenant): TransactionPart[] {
    return [
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: {
              ...keys.tenant(tenant.id),
              ...keys.tenantIndex(tenant.id),
              type: 'tenant',
              ...tenant,
              decoyKey: newDecoyKey(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: () => new Conflict(`The tenant id "${tenant.id}" is already taken.`),
      },
      {
        write: {
          ConditionCheck: {
            TableName: this.table.name,
            Key: keys.tenantTombstone(tenant.id),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        // Never reused: anything a request in flight at the deletion still wrote under the id stays unreachable.
        onConditionFailed: () =>
          new Conflict(`The tenant id "${tenant.id}" belonged to a deleted tenant; tenant ids are not reused.`),
      },
    ];
  }

  /** Operator listing through GSI1 (eventually consistent: a tenant created a moment ago may be missing). */
  async listTenants(page: { limit: number; cursor?: string | undefined }): Promise<Page<Tenant>> {
    const { gsi1pk } = keys.tenantIndex('');
    const out = await queryPage(this.table, { index: 'gsi1', partition: gsi1pk, sortPrefix: 'T#' }, page);
    return { ...out, items: out.items.map(toTenant) };
  }

  /**
   * Applies `changes` to an existing tenant. When the RP ID changes, the update is conditioned on the RP ID not being
   * locked, so it cannot slip past a passkey ceremony that locked it a moment earlier.
   */
  updateTenant(tenantId: string, changes: TenantChanges): TransactionPart {
    const sets: string[] = [];
    const removes: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (changes.name !== undefined) {
      sets.push('#name = :name');
      names['#name'] = 'name';
      values[':name'] = changes.name;
    }
    if (changes.plan !== undefined) {
      sets.push('#plan = :plan');
      names['#plan'] = 'plan';
      values[':plan'] = changes.plan;
    }
    for (const [field, value] of Object.entries(changes.settings ?? {})) {
      if (value === undefined) continue;
      names['#settings'] = 'settings';
      names[`#s_${field}`] = field;
      if (value === null) removes.push(`#settings.#s_${field}`);
      else {
        sets.push(`#settings.#s_${field} = :s_${field}`);
        values[`:s_${field}`] = value;
      }
    }
    const rpIdChanges = changes.settings?.rpId !== undefined;
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    // Nothing to write (the fields sent equal what is stored): the tenant must still exist, that is all.
    if (!update) return this.requireTenantPart(tenantId);
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.tenant(tenantId),
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(#pk)${rpIdChanges ? ' AND attribute_not_exists(rpIdLockedAt)' : ''}`,
          ExpressionAttributeNames: { ...names, '#pk': 'pk' },
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        },
      },
      onConditionFailed: () =>
        rpIdChanges
          ? new Conflict(
              'rpId cannot change: passkeys are already registered with the current RP ID (or the tenant was deleted).',
            )
          : new NotFound('No such tenant.'),
    };
  }

  /**
   * Deletes the tenant item (every endpoint of the issuer answers 404 from then on: no token, session or grant of it
   * works) and leaves a tombstone for good: the id is never given out again.
   */
  deleteTenant(tenantId: string, now: number): TransactionPart[] {
    return [
      {
        write: {
          Delete: {
            TableName: this.table.name,
            Key: keys.tenant(tenantId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        onConditionFailed: () => new NotFound('No such tenant.'),
      },
      {
        write: {
          Put: {
            TableName: this.table.name,
            Item: { ...keys.tenantTombstone(tenantId), type: 'tenant_tombstone', id: tenantId, deletedAt: now },
          },
        },
      },
    ];
  }

  /** Was a tenant of this id deleted? (Its tombstone stays: deleted ids are never given out again.) */
  async isDeleted(tenantId: string): Promise<boolean> {
    return (await this.table.get(keys.tenantTombstone(tenantId), true)) !== undefined;
  }

  /**
   * For a transaction that writes under a tenant: the tenant must still exist when it commits. A change that read the
   * tenant a moment before its deletion then fails instead of leaving an item the purge may already have passed.
   */
  requireTenantPart(tenantId: string): TransactionPart {
    return {
      write: {
        ConditionCheck: {
          TableName: this.table.name,
          Key: keys.tenant(tenantId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: () => new NotFound('No such tenant.'),
    };
  }

  /**
   * Removes every item of a deleted tenant but its tombstone (every key starts with `T#{id}`; items live in many
   * partitions, so this is a strongly consistent, filtered parallel Scan of the table, deleting in batches of 25).
   * Resumable and repeatable: run again, it removes what is left. Returns the number of items removed.
   */
  async purgeTenant(tenantId: string, options: { segments?: number } = {}): Promise<number> {
    const segments = options.segments ?? 4;
    const tenantPk = keys.tenant(tenantId).pk;
    const tombstone = keys.tenantTombstone(tenantId);
    const counts = await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        let removed = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const out = await this.table.doc.send(
            new ScanCommand({
              TableName: this.table.name,
              Segment: segment,
              TotalSegments: segments,
              ConsistentRead: true,
              ProjectionExpression: '#pk, #sk',
              FilterExpression: '#pk = :tenantPk OR begins_with(#pk, :prefix)',
              ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
              ExpressionAttributeValues: { ':tenantPk': tenantPk, ':prefix': `${tenantPk}#` },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          const doomed = ((out.Items ?? []) as Key[]).filter((k) => !(k.pk === tombstone.pk && k.sk === tombstone.sk));
          for (let i = 0; i < doomed.length; i += 25) await this.deleteBatch(doomed.slice(i, i + 25));
          removed += doomed.length;
          start = out.LastEvaluatedKey;
        } while (start);
        return removed;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async deleteBatch(batch: readonly Key[]): Promise<void> {
    let pending: Record<string, unknown>[] = batch.map((k) => ({ DeleteRequest: { Key: { pk: k.pk, sk: k.sk } } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('BatchWriteItem left deletes unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const out = await this.table.doc.send(
        new BatchWriteCommand({ RequestItems: { [this.table.name]: pending as never } }),
      );
      pending = (out.UnprocessedItems?.[this.table.name] ?? []) as Record<string, unknown>[];
    }
  }

  /**
   * Locks the RP ID at the first passkey ceremony (one write per tenant lifetime: callers skip it once
   * `rpIdLockedAt` is on the tenant). Conditioned on the RP ID the ceremony used still being the tenant's, so a
   * concurrent PATCH of rpId and a first registration cannot both succeed with different RP IDs.
   */
  async lockRpId(tenant: Tenant, now: number): Promise<boolean> {
    const rpId = tenant.settings.rpId;
    try {
      await retryOnTransactionConflict(() =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: keys.tenant(tenant.id),
            UpdateExpression: 'SET rpIdLockedAt = if_not_exists(rpIdLockedAt, :now)',
            ConditionExpression:
              rpId === undefined
                ? 'attribute_exists(pk) AND attribute_not_exists(#settings.rpId)'
                : 'attribute_exists(pk) AND #settings.rpId = :rpId',
            ExpressionAttributeNames: { '#settings': 'settings' },
            ExpressionAttributeValues: { ':now': now, ...(rpId !== undefined ? { ':rpId': rpId } : {}) },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** `consistent` for admin edits of the tenant itself, which must start from what is stored now. */
  async findTenant(tenantId: string, consistent = false): Promise<Tenant | undefined> {
    const item = await this.table.get(keys.tenant(tenantId), consistent);
    return item ? toTenant(item) : undefined;
  }

  /**
   * The tenant's secret for decoy credentials (answers for unknown emails that look like real accounts): random per
   * tenant, it never leaves the table. Usually already on the loaded tenant; a tenant stored before it existed
   * gets one on first use (concurrent first uses agree on one).
   */
  async decoyKey(tenant: Tenant): Promise<Buffer> {
    if (tenant.decoyKey) return Buffer.from(tenant.decoyKey, 'base64url');
    const out = await retryOnTransactionConflict(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.tenant(tenant.id),
          UpdateExpression: 'SET decoyKey = if_not_exists(decoyKey, :key)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':key': newDecoyKey() },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return Buffer.from(out.Attributes?.decoyKey as string, 'base64url');
  }
}

function newDecoyKey(): string {
  return randomBytes(32).toString('base64url');
}

export function toTenant(item: Item): Tenant {
  return {
    id: item.id as string,
    name: item.name as string,
    plan: item.plan as Plan,
    settings: { ...DEFAULT_TENANT_SETTINGS, ...(item.settings as Partial<TenantSettings>) },
    createdAt: item.createdAt as string,
    ...(typeof item.decoyKey === 'string' ? { decoyKey: item.decoyKey } : {}),
    ...(typeof item.rpIdLockedAt === 'number' ? { rpIdLockedAt: item.rpIdLockedAt } : {}),
  };
}
