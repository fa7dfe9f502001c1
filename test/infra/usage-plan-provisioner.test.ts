import {
  APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  NotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-api-gateway';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ApiKey,
  type ProvisionerDeps,
  reconcileTenant,
  removeTenantKey,
  type TenantRecord,
  type TenantTable,
} from '../../lambdas/usage-plan-provisioner/provision.ts';

/**
 * The usage-plan provisioner (lambdas/usage-plan-provisioner) against a mocked API Gateway control plane (there is
 * no emulator for usage plans). The mock keeps state like API Gateway does: keys with generated ids and values,
 * usage plans holding keys, a key in at most one usage plan of the stage, prefix name queries with paging.
 */

const USAGE_PLAN_IDS = { free: 'up-free', pro: 'up-pro', enterprise: 'up-ent' } as const;
const PREFIX = 'Keyway-us-';

/** Stateful stand-in for the part of API Gateway the provisioner calls. */
class FakeApiGateway {
  readonly keys = new Map<string, { name: string; value: string }>();
  readonly plans = new Map<string, Set<string>>(Object.values(USAGE_PLAN_IDS).map((id) => [id, new Set<string>()]));
  /** Errors to throw on the next calls of a command, before it behaves normally. */
  readonly failNext = new Map<string, Error[]>();
  private seq = 0;

  constructor(mock: AwsClientStub<APIGatewayClient>) {
    mock.on(CreateApiKeyCommand).callsFake((input: { name: string }) => {
      this.maybeFail('CreateApiKey');
      const id = `key${++this.seq}`;
      const value = `value-${id}-${'x'.repeat(24)}`;
      this.keys.set(id, { name: input.name, value });
      return { id, name: input.name, value, enabled: true };
    });
    mock.on(GetApiKeysCommand).callsFake((input: { nameQuery: string; limit?: number; position?: string }) => {
      this.maybeFail('GetApiKeys');
      const all = [...this.keys]
        .filter(([, k]) => k.name.startsWith(input.nameQuery))
        .map(([id, k]) => ({ id, name: k.name, value: k.value }));
      const start = Number(input.position ?? 0);
      const end = start + (input.limit ?? 25);
      return { items: all.slice(start, end), ...(end < all.length ? { position: String(end) } : {}) };
    });
    mock.on(CreateUsagePlanKeyCommand).callsFake((input: { usagePlanId: string; keyId: string }) => {
      this.maybeFail('CreateUsagePlanKey');
      const plan = this.plans.get(input.usagePlanId);
      if (!plan || !this.keys.has(input.keyId)) throw new NotFoundException({ message: 'Invalid', $metadata: {} });
      if (plan.has(input.keyId)) throw new ConflictException({ message: 'already in plan', $metadata: {} });
      if (this.plansOf(input.keyId).length > 0)
        throw new BadRequestException({ message: 'key already in another usage plan of this stage', $metadata: {} });
      plan.add(input.keyId);
      return { id: input.keyId, type: 'API_KEY' };
    });
    mock.on(DeleteUsagePlanKeyCommand).callsFake((input: { usagePlanId: string; keyId: string }) => {
      this.maybeFail('DeleteUsagePlanKey');
      if (!this.plans.get(input.usagePlanId)?.delete(input.keyId))
        throw new NotFoundException({ message: 'Invalid Usage Plan Key', $metadata: {} });
      return {};
    });
    mock.on(DeleteApiKeyCommand).callsFake((input: { apiKey: string }) => {
      this.maybeFail('DeleteApiKey');
      if (!this.keys.delete(input.apiKey)) throw new NotFoundException({ message: 'Invalid API Key', $metadata: {} });
      for (const plan of this.plans.values()) plan.delete(input.apiKey);
      return {};
    });
  }

  private maybeFail(command: string): void {
    const error = this.failNext.get(command)?.shift();
    if (error) throw error;
  }

  plansOf(keyId: string): string[] {
    return [...this.plans].filter(([, keys]) => keys.has(keyId)).map(([id]) => id);
  }

  keysNamed(name: string): string[] {
    return [...this.keys].filter(([, k]) => k.name === name).map(([id]) => id);
  }
}

/** The tenant items, with the write-back condition the real table applies (item exists, plan unchanged). */
class FakeTenantTable implements TenantTable {
  readonly items = new Map<string, TenantRecord>();
  writes = 0;
  failNextWrite: Error | undefined;

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    const item = this.items.get(tenantId);
    return item ? { ...item } : undefined;
  }

  async recordKey(tenantId: string, plan: string, key: ApiKey): Promise<boolean> {
    if (this.failNextWrite) {
      const error = this.failNextWrite;
      this.failNextWrite = undefined;
      throw error;
    }
    const item = this.items.get(tenantId);
    if (!item || item.plan !== plan) return false;
    this.items.set(tenantId, { ...item, apiKeyId: key.id, apiKeyValue: key.value, apiKeyPlan: plan });
    this.writes++;
    return true;
  }

  put(id: string, plan: string): void {
    const existing = this.items.get(id);
    this.items.set(id, { ...existing, id, plan });
  }
}

const TABLE_NAME = 'keyway-provisioner-test';
vi.stubEnv('TABLE_NAME', TABLE_NAME);
vi.stubEnv('USAGE_PLAN_IDS', JSON.stringify(USAGE_PLAN_IDS));
vi.stubEnv('API_KEY_NAME_PREFIX', PREFIX);
const apigwMock = mockClient(APIGatewayClient);
const ddb = mockClient(DynamoDBClient);
const { handler } = await import('../../lambdas/usage-plan-provisioner/handler.ts');
let apigw: FakeApiGateway;
let table: FakeTenantTable;
let deps: ProvisionerDeps;

beforeEach(() => {
  apigwMock.reset();
  ddb.reset();
  apigw = new FakeApiGateway(apigwMock);
  table = new FakeTenantTable();
  deps = {
    apigateway: new APIGatewayClient({ region: 'us-west-2' }),
    table,
    usagePlanIds: USAGE_PLAN_IDS,
    keyNamePrefix: PREFIX,
  };
});

const throttled = () => new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} });

describe('reconcileTenant: first provisioning', () => {
  it("creates one key named after the tenant, puts it in the plan's usage plan only, and records it on the item", async () => {
    // Prepare
    table.put('acme', 'free');
    // Act
    const outcome = await reconcileTenant('acme', deps);
    // Assess
    expect(outcome).toBe('provisioned');
    const [keyId] = apigw.keysNamed(`${PREFIX}acme`);
    expect(apigw.keys.size).toBe(1);
    expect(apigw.plansOf(keyId!)).toEqual(['up-free']);
    expect(table.items.get('acme')).toEqual({
      id: 'acme',
      plan: 'free',
      apiKeyId: keyId,
      apiKeyValue: apigw.keys.get(keyId!)!.value,
      apiKeyPlan: 'free',
    });
    expect(apigwMock.commandCalls(CreateApiKeyCommand)[0]!.args[0].input).toMatchObject({ enabled: true });
  });

  it('does nothing when the stream replays the record, or brings back its own write-back (no API call, no write)', async () => {
    table.put('acme', 'free');
    await reconcileTenant('acme', deps);
    apigwMock.resetHistory();
    const writes = table.writes;

    expect(await reconcileTenant('acme', deps)).toBe('in-sync');
    expect(await reconcileTenant('acme', deps)).toBe('in-sync');

    expect(apigwMock.calls()).toHaveLength(0);
    expect(table.writes).toBe(writes);
  });

  it('converges without a second key when attaching was throttled after the key was created', async () => {
    // Prepare: CreateApiKey succeeds, then the usage plan call fails (after the SDK's own retries).
    table.put('acme', 'pro');
    apigw.failNext.set('CreateUsagePlanKey', [throttled()]);
    // Act: the event source mapping retries the record.
    await expect(reconcileTenant('acme', deps)).rejects.toBeInstanceOf(TooManyRequestsException);
    const outcome = await reconcileTenant('acme', deps);
    // Assess
    expect(outcome).toBe('provisioned');
    expect(apigwMock.commandCalls(CreateApiKeyCommand)).toHaveLength(1);
    const keyIds = apigw.keysNamed(`${PREFIX}acme`);
    expect(keyIds).toHaveLength(1);
    expect(apigw.plansOf(keyIds[0]!)).toEqual(['up-pro']);
    expect(table.items.get('acme')?.apiKeyId).toBe(keyIds[0]);
  });

  it('converges without a second key when the write-back failed after the key was attached', async () => {
    table.put('acme', 'free');
    table.failNextWrite = new InternalServerError({ message: 'try again', $metadata: {} });
    await expect(reconcileTenant('acme', deps)).rejects.toBeInstanceOf(InternalServerError);

    // The retry finds the key by name; attaching it again is a ConflictException, which counts as done.
    expect(await reconcileTenant('acme', deps)).toBe('provisioned');
    expect(apigwMock.commandCalls(CreateApiKeyCommand)).toHaveLength(1);
    expect(apigw.keysNamed(`${PREFIX}acme`)).toHaveLength(1);
    expect(table.items.get('acme')?.apiKeyPlan).toBe('free');
  });

  it("finds its key by exact name even behind other tenants' keys that share the prefix, across pages", async () => {
    // Prepare: 600 keys named `…acme-0` … `…acme-599` (other tenants), created before this tenant's own key.
    for (let i = 0; i < 600; i++) apigw.keys.set(`other${i}`, { name: `${PREFIX}acme-${i}`, value: `v${i}` });
    apigw.keys.set('mine', { name: `${PREFIX}acme`, value: 'my-value' });
    table.put('acme', 'free');
    // Act
    const outcome = await reconcileTenant('acme', deps);
    // Assess: the existing key is reused, nothing is created, the other tenants' keys are untouched.
    expect(outcome).toBe('provisioned');
    expect(apigwMock.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
    expect(apigwMock.commandCalls(GetApiKeysCommand).length).toBeGreaterThan(1);
    expect(table.items.get('acme')).toMatchObject({ apiKeyId: 'mine', apiKeyValue: 'my-value' });
    expect(apigw.plansOf('mine')).toEqual(['up-free']);
    expect(apigw.plansOf('other0')).toEqual([]);
  });
});

describe('reconcileTenant: plan changes', () => {
  it('moves the same key from free to pro: the value the authorizer returns does not change', async () => {
    // Prepare
    table.put('acme', 'free');
    await reconcileTenant('acme', deps);
    const before = table.items.get('acme')!;
    apigwMock.resetHistory();
    // Act
    table.put('acme', 'pro');
    const outcome = await reconcileTenant('acme', deps);
    // Assess
    expect(outcome).toBe('moved');
    const after = table.items.get('acme')!;
    expect(after).toMatchObject({ apiKeyId: before.apiKeyId, apiKeyValue: before.apiKeyValue, apiKeyPlan: 'pro' });
    expect(apigw.plansOf(before.apiKeyId!)).toEqual(['up-pro']);
    expect(apigwMock.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
    expect(apigwMock.commandCalls(GetApiKeysCommand)).toHaveLength(0); // the recorded key is used, no lookup
    // Leaving comes before joining: a key may sit in only one usage plan of a stage.
    const order = apigwMock.calls().map((c) => c.args[0].constructor.name);
    expect(order.lastIndexOf('DeleteUsagePlanKeyCommand')).toBeLessThan(order.indexOf('CreateUsagePlanKeyCommand'));
  });

  it('is idempotent when the move is replayed, and when it is retried after a failure half-way', async () => {
    table.put('acme', 'free');
    await reconcileTenant('acme', deps);
    const keyId = table.items.get('acme')!.apiKeyId!;

    table.put('acme', 'enterprise');
    apigw.failNext.set('CreateUsagePlanKey', [throttled()]);
    await expect(reconcileTenant('acme', deps)).rejects.toBeInstanceOf(TooManyRequestsException);
    // Half-way: out of free, not yet in enterprise; the retry finishes the move.
    expect(apigw.plansOf(keyId)).toEqual([]);
    expect(await reconcileTenant('acme', deps)).toBe('moved');
    expect(await reconcileTenant('acme', deps)).toBe('in-sync');
    expect(apigw.plansOf(keyId)).toEqual(['up-ent']);
    expect(apigw.keys.size).toBe(1);
  });

  it('keeps every key in exactly one usage plan through a series of moves of several tenants', async () => {
    const moves: [string, keyof typeof USAGE_PLAN_IDS][] = [
      ['acme', 'free'],
      ['globex', 'pro'],
      ['acme', 'pro'],
      ['initech', 'enterprise'],
      ['globex', 'free'],
      ['acme', 'enterprise'],
      ['acme', 'free'],
    ];
    for (const [tenant, plan] of moves) {
      table.put(tenant, plan);
      await reconcileTenant(tenant, deps);
      const item = table.items.get(tenant)!;
      expect(apigw.plansOf(item.apiKeyId!), `${tenant} → ${plan}`).toEqual([USAGE_PLAN_IDS[plan]]);
    }
    expect(apigw.keys.size).toBe(3);
  });

  it('reports a superseded change and lets the newer stream record finish it', async () => {
    // Prepare: the plan changes again between the read and the write-back.
    table.put('acme', 'free');
    const get = table.get.bind(table);
    vi.spyOn(table, 'get').mockImplementationOnce(async (id) => {
      const item = await get(id);
      table.put('acme', 'pro');
      return item;
    });
    // Act
    const first = await reconcileTenant('acme', deps);
    const second = await reconcileTenant('acme', deps);
    // Assess
    expect(first).toBe('superseded');
    expect(second).toBe('provisioned');
    const item = table.items.get('acme')!;
    expect(item.apiKeyPlan).toBe('pro');
    expect(apigw.plansOf(item.apiKeyId!)).toEqual(['up-pro']);
    expect(apigw.keys.size).toBe(1);
  });
});

describe('reconcileTenant: what it refuses and what it passes on', () => {
  it('does nothing for a tenant item that is gone by the time the record is processed', async () => {
    expect(await reconcileTenant('ghost', deps)).toBe('tenant-gone');
    expect(apigwMock.calls()).toHaveLength(0);
  });

  it('fails the record when the plan has no usage plan in this stack, before any API call', async () => {
    table.put('acme', 'platinum');
    await expect(reconcileTenant('acme', deps)).rejects.toThrow(/No usage plan for plan "platinum"/);
    expect(apigwMock.calls()).toHaveLength(0);
  });

  it('passes on errors other than "already attached" / "already detached" so the record is retried', async () => {
    table.put('acme', 'free');
    apigw.failNext.set('CreateUsagePlanKey', [new BadRequestException({ message: 'Invalid stage', $metadata: {} })]);
    await expect(reconcileTenant('acme', deps)).rejects.toBeInstanceOf(BadRequestException);
    expect(table.items.get('acme')?.apiKeyId).toBeUndefined();

    table.put('acme', 'free');
    apigw.failNext.set('GetApiKeys', [throttled()]);
    await expect(reconcileTenant('acme', deps)).rejects.toBeInstanceOf(TooManyRequestsException);
  });

  it('fails when CreateApiKey answers without an id or value, instead of recording an empty key', async () => {
    table.put('acme', 'free');
    apigwMock.on(CreateApiKeyCommand).resolves({ id: 'k1' });
    await expect(reconcileTenant('acme', deps)).rejects.toThrow(/no id\/value/);
    expect(table.items.get('acme')?.apiKeyId).toBeUndefined();
  });
});

describe('removeTenantKey', () => {
  it('deletes the key recorded on the deleted item', async () => {
    table.put('acme', 'pro');
    await reconcileTenant('acme', deps);
    const keyId = table.items.get('acme')!.apiKeyId!;
    expect(await removeTenantKey('acme', keyId, deps)).toBe('key-deleted');
    expect(apigw.keys.has(keyId)).toBe(false);
    expect(apigw.plansOf(keyId)).toEqual([]);
  });

  it('treats a key that is already gone as deleted (replayed REMOVE)', async () => {
    expect(await removeTenantKey('acme', 'key-that-is-gone', deps)).toBe('key-deleted');
  });

  it('finds and deletes a key that was attached but never recorded (tenant deleted during provisioning)', async () => {
    // Prepare: the tenant is deleted between the read and the write-back.
    table.put('acme', 'free');
    const get = table.get.bind(table);
    vi.spyOn(table, 'get').mockImplementationOnce(async (id) => {
      const item = await get(id);
      table.items.delete('acme');
      return item;
    });
    expect(await reconcileTenant('acme', deps)).toBe('superseded');
    expect(apigw.keysNamed(`${PREFIX}acme`)).toHaveLength(1);
    // Act: the REMOVE record's old image has no apiKeyId.
    const outcome = await removeTenantKey('acme', undefined, deps);
    // Assess
    expect(outcome).toBe('key-deleted');
    expect(apigw.keys.size).toBe(0);
  });

  it('leaves keys of other tenants sharing the name prefix alone, and reports when there was no key', async () => {
    apigw.keys.set('other', { name: `${PREFIX}acme-2`, value: 'v' });
    expect(await removeTenantKey('acme', undefined, deps)).toBe('tenant-gone');
    expect(apigw.keys.has('other')).toBe(true);
    expect(apigwMock.commandCalls(DeleteApiKeyCommand)).toHaveLength(0);
  });

  it('passes on a throttled delete so the REMOVE record is retried', async () => {
    apigw.failNext.set('DeleteApiKey', [throttled()]);
    await expect(removeTenantKey('acme', 'k1', deps)).rejects.toBeInstanceOf(TooManyRequestsException);
  });
});

describe('provisioner Lambda handler (stream records → DynamoDB + API Gateway)', () => {
  const record = (eventName: DynamoDBRecord['eventName'], tenantId: string, oldApiKeyId?: string) =>
    ({
      eventName,
      dynamodb: {
        Keys: { pk: { S: `T#${tenantId}` }, sk: { S: 'TENANT' } },
        ...(oldApiKeyId ? { OldImage: { apiKeyId: { S: oldApiKeyId } } } : {}),
      },
    }) as DynamoDBRecord;
  const stream = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

  it('reads the tenant strongly consistently and writes the key back only while the plan is unchanged', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({ Item: { id: { S: 'acme' }, plan: { S: 'pro' } } });
    ddb.on(UpdateItemCommand).resolves({});
    // Act
    await handler(stream(record('INSERT', 'acme')));
    // Assess
    const get = ddb.commandCalls(GetItemCommand)[0]!.args[0].input;
    expect(get).toMatchObject({ TableName: TABLE_NAME, Key: { pk: { S: 'T#acme' }, sk: { S: 'TENANT' } } });
    expect(get.ConsistentRead).toBe(true);
    const [keyId] = apigw.keysNamed(`${PREFIX}acme`);
    const update = ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toBe('attribute_exists(pk) AND #plan = :plan');
    expect(update.ExpressionAttributeValues).toEqual({
      ':id': { S: keyId },
      ':value': { S: apigw.keys.get(keyId!)!.value },
      ':plan': { S: 'pro' },
    });
    expect(apigw.plansOf(keyId!)).toEqual(['up-pro']);
  });

  it('makes no API call for the MODIFY its own write-back produces', async () => {
    ddb.on(GetItemCommand).resolves({
      Item: {
        id: { S: 'acme' },
        plan: { S: 'pro' },
        apiKeyId: { S: 'k1' },
        apiKeyValue: { S: 'v1' },
        apiKeyPlan: { S: 'pro' },
      },
    });
    await handler(stream(record('MODIFY', 'acme')));
    expect(apigwMock.calls()).toHaveLength(0);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('treats a failed write-back condition as superseded (no error), and any other DynamoDB error as a failure', async () => {
    ddb.on(GetItemCommand).resolves({ Item: { id: { S: 'acme' }, plan: { S: 'free' } } });
    ddb.on(UpdateItemCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(handler(stream(record('MODIFY', 'acme')))).resolves.toBeUndefined();

    ddb.on(UpdateItemCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));
    await expect(handler(stream(record('MODIFY', 'acme')))).rejects.toBeInstanceOf(InternalServerError);
  });

  it('deletes the key named in the old image on REMOVE without reading the table', async () => {
    apigw.keys.set('k9', { name: `${PREFIX}acme`, value: 'v9' });
    apigw.plans.get('up-free')!.add('k9');
    await handler(stream(record('REMOVE', 'acme', 'k9')));
    expect(apigw.keys.has('k9')).toBe(false);
    expect(apigw.plansOf('k9')).toEqual([]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('ignores records that are not tenant items', async () => {
    const notTenant = {
      eventName: 'INSERT',
      dynamodb: { Keys: { pk: { S: 'T#acme#U#u1' }, sk: { S: 'USER' } } },
    } as DynamoDBRecord;
    await handler(stream(notTenant));
    expect(ddb.calls()).toHaveLength(0);
    expect(apigwMock.calls()).toHaveLength(0);
  });
});
