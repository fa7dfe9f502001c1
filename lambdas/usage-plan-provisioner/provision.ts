import {
  type APIGatewayClient,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';

/** The attributes of a tenant item this process reads and writes (pk `T#{id}`, sk `TENANT`). */
export interface TenantRecord {
  readonly id: string;
  readonly plan: string;
  readonly apiKeyId?: string | undefined;
  readonly apiKeyValue?: string | undefined;
  /** The plan whose usage plan the key is attached to; equal to `plan` once provisioning caught up. */
  readonly apiKeyPlan?: string | undefined;
}

export interface ApiKey {
  readonly id: string;
  readonly value: string;
}

export interface TenantTable {
  /** Strongly consistent read: the stream record only says *which* tenant changed, the item says what it is now. */
  get(tenantId: string): Promise<TenantRecord | undefined>;
  /**
   * Records the key on the tenant item, only if the plan is still `plan`; false when a newer plan change won
   * (its own stream record reconciles it next).
   */
  recordKey(tenantId: string, plan: string, key: ApiKey): Promise<boolean>;
}

export interface ProvisionerDeps {
  readonly apigateway: APIGatewayClient;
  readonly table: TenantTable;
  /** Plan name → usage plan id, from the stack. */
  readonly usagePlanIds: Readonly<Record<string, string>>;
  /** Makes key names unique per deployment: `{prefix}{tenantId}`. */
  readonly keyNamePrefix: string;
}

export type Outcome = 'in-sync' | 'provisioned' | 'moved' | 'superseded' | 'tenant-gone' | 'key-deleted';

/**
 * Brings a tenant's API Gateway key in line with its item: creates the key on first sight, attaches it to the
 * usage plan of the tenant's plan, detaches it from the others, then writes the key back onto the item.
 *
 * The write-back is itself a MODIFY on the tenant item and comes back through the stream; it then finds the
 * item in sync and does nothing (no API call, no write), so provisioning never loops. Every step is idempotent, so
 * a retry after a partial failure (for example the key created but the write-back throttled) converges: an
 * existing key is found by its name instead of created twice.
 */
export async function reconcileTenant(tenantId: string, deps: ProvisionerDeps): Promise<Outcome> {
  const tenant = await deps.table.get(tenantId);
  if (!tenant) return 'tenant-gone';
  const usagePlanId = deps.usagePlanIds[tenant.plan];
  if (!usagePlanId) throw new Error(`No usage plan for plan "${tenant.plan}" (tenant ${tenantId})`);

  if (tenant.apiKeyId && tenant.apiKeyValue && tenant.apiKeyPlan === tenant.plan) return 'in-sync';

  const known = tenant.apiKeyId && tenant.apiKeyValue ? { id: tenant.apiKeyId, value: tenant.apiKeyValue } : undefined;
  const found = known ?? (await findKey(tenantId, deps));
  const key = found ?? (await createKey(tenantId, deps));

  // A key can be in only one usage plan per API stage, so it leaves the others before it joins the new one.
  if (found) {
    for (const [plan, otherPlanId] of Object.entries(deps.usagePlanIds)) {
      if (plan !== tenant.plan) await detach(otherPlanId, key.id, deps.apigateway);
    }
  }
  await attach(usagePlanId, key.id, deps.apigateway);

  const recorded = await deps.table.recordKey(tenantId, tenant.plan, key);
  if (!recorded) return 'superseded';
  return found && tenant.apiKeyPlan ? 'moved' : 'provisioned';
}

/**
 * Tenant item deleted: its key goes too (deleting a key also removes it from its usage plan). The key recorded on
 * the deleted item is used when there is one; otherwise the key is looked up by name, because a key can exist
 * without having been recorded: created and attached, then the write-back found the item already deleted.
 */
export async function removeTenantKey(
  tenantId: string,
  recordedKeyId: string | undefined,
  deps: ProvisionerDeps,
): Promise<Outcome> {
  const apiKeyId = recordedKeyId ?? (await findKey(tenantId, deps))?.id;
  if (!apiKeyId) return 'tenant-gone';
  return deleteTenantKey(apiKeyId, deps.apigateway);
}

/** Deletes one API key; a key that is already gone counts as deleted. */
export async function deleteTenantKey(apiKeyId: string, apigateway: APIGatewayClient): Promise<Outcome> {
  try {
    await apigateway.send(new DeleteApiKeyCommand({ apiKey: apiKeyId }));
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
  return 'key-deleted';
}

export function keyName(tenantId: string, prefix: string): string {
  return `${prefix}${tenantId}`;
}

/**
 * The tenant's key by its exact name. nameQuery matches by prefix (`acme` also finds `acme-eu`, `acme2`, ...), so
 * every page is read: stopping at the first page could miss the key and create a second one for the same tenant.
 */
async function findKey(tenantId: string, deps: ProvisionerDeps): Promise<ApiKey | undefined> {
  const name = keyName(tenantId, deps.keyNamePrefix);
  let position: string | undefined;
  do {
    const out = await deps.apigateway.send(
      new GetApiKeysCommand({ nameQuery: name, includeValues: true, limit: 500, ...(position ? { position } : {}) }),
    );
    const item = out.items?.find((k) => k.name === name && k.id && k.value);
    if (item) return { id: item.id!, value: item.value! };
    position = out.position;
  } while (position);
  return undefined;
}

async function createKey(tenantId: string, deps: ProvisionerDeps): Promise<ApiKey> {
  const out = await deps.apigateway.send(
    new CreateApiKeyCommand({
      name: keyName(tenantId, deps.keyNamePrefix),
      description: `Keyway tenant ${tenantId}: usage-plan identity returned by the authorizer, never a client credential`,
      enabled: true,
    }),
  );
  if (!out.id || !out.value) throw new Error(`CreateApiKey returned no id/value for tenant ${tenantId}`);
  return { id: out.id, value: out.value };
}

async function attach(usagePlanId: string, keyId: string, apigateway: APIGatewayClient): Promise<void> {
  try {
    await apigateway.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId, keyType: 'API_KEY' }));
  } catch (error) {
    // Already attached (a retry after the write-back failed).
    if (!(error instanceof ConflictException)) throw error;
  }
}

async function detach(usagePlanId: string, keyId: string, apigateway: APIGatewayClient): Promise<void> {
  try {
    await apigateway.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId }));
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
}
