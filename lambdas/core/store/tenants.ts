import { randomBytes } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Conflict } from '../errors.ts';
import { keys } from './keys.ts';
import { type Item, isConditionFailed, type Table } from './table.ts';

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export interface TenantSettings {
  /** WebAuthn RP ID. Unset means the host of BASE_URL. It cannot change later without losing every passkey. */
  readonly rpId?: string;
  /** Whether anyone may create an account from the hosted pages. */
  readonly signUpOpen: boolean;
  /** Window in which a just-rotated refresh token may be presented again (concurrent tabs, retries). */
  readonly refreshGraceSeconds: number;
  readonly accessTokenTtlSeconds: number;
  readonly idTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionTtlSeconds: number;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  signUpOpen: true,
  refreshGraceSeconds: 3,
  accessTokenTtlSeconds: 900,
  idTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  sessionTtlSeconds: 7 * 24 * 3600,
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
}

export class TenantRepository {
  constructor(private readonly table: Table) {}

  /** Creates a tenant; the id is claimed with a conditional put so two creators cannot both get it. */
  async createTenant(tenant: Tenant): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.tenant(tenant.id),
            ...keys.tenantIndex(tenant.id),
            type: 'tenant',
            ...tenant,
            decoyKey: newDecoyKey(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new Conflict(`The tenant id "${tenant.id}" is already taken.`);
      throw error;
    }
  }

  async findTenant(tenantId: string): Promise<Tenant | undefined> {
    const item = await this.table.get(keys.tenant(tenantId));
    return item ? toTenant(item) : undefined;
  }

  /**
   * The tenant's secret for decoy credentials (answers for unknown emails that look like real accounts): random per
   * tenant, it never leaves the table. Usually already on the loaded tenant; a tenant stored before it existed
   * gets one on first use (concurrent first uses agree on one).
   */
  async decoyKey(tenant: Tenant): Promise<Buffer> {
    if (tenant.decoyKey) return Buffer.from(tenant.decoyKey, 'base64url');
    const out = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.tenant(tenant.id),
        UpdateExpression: 'SET decoyKey = if_not_exists(decoyKey, :key)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':key': newDecoyKey() },
        ReturnValues: 'ALL_NEW',
      }),
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
  };
}
