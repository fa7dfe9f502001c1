import { DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { authorizeTenant, TenantKeyNotProvisioned, UnknownTenants } from '../../lambdas/authorizer/authorize.ts';

/**
 * The tenant authorizer (lambdas/authorizer): it never authenticates anyone; it maps the tenant segment of the
 * path to the tenant's API key (`usageIdentifierKey`) so API Gateway counts the request against the tenant's usage
 * plan, and denies tenants that do not exist. DynamoDB is mocked; the handler is the one Lambda runs.
 */

const TABLE_NAME = 'keyway-authorizer-test';
vi.stubEnv('TABLE_NAME', TABLE_NAME);
const ddb = mockClient(DynamoDBClient);
const { handler } = await import('../../lambdas/authorizer/handler.ts');

const STAGE_ARN = 'arn:aws:execute-api:us-west-2:111111111111:a1b2c3d4e5/prod';

function event(tenantId: string | undefined, method = 'GET', rest = '/.well-known/openid-configuration') {
  const path = `/${tenantId ?? ''}${rest}`;
  return {
    type: 'REQUEST',
    methodArn: `${STAGE_ARN}/${method}${path}`,
    resource: `/{tenantId}${rest}`,
    path,
    httpMethod: method,
    headers: {},
    multiValueHeaders: {},
    pathParameters: tenantId === undefined ? null : { tenantId },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { path: `/prod${path}`, stage: 'prod', httpMethod: method },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** IAM resource matching as API Gateway applies it to execute-api ARNs: `*` any run of characters, `?` one. */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

/** What API Gateway decides for `methodArn` from a (cached) authorizer result: an explicit Deny wins. */
function decision(result: APIGatewayAuthorizerResult, methodArn: string): 'Allow' | 'Deny' | 'implicit-deny' {
  const matching = result.policyDocument.Statement.filter((s) => {
    const resources: string | string[] = 'Resource' in s && s.Resource ? s.Resource : [];
    return (Array.isArray(resources) ? resources : [resources]).some((r) => arnMatches(r, methodArn));
  });
  if (matching.some((s) => s.Effect === 'Deny')) return 'Deny';
  if (matching.some((s) => s.Effect === 'Allow')) return 'Allow';
  return 'implicit-deny';
}

function tenantItem(plan: string, apiKeyValue?: string) {
  return { Item: { plan: { S: plan }, ...(apiKeyValue ? { apiKeyValue: { S: apiKeyValue } } : {}) } };
}

beforeEach(() => {
  ddb.reset();
});

describe('tenant authorizer: known tenant', () => {
  it('returns the tenant API key as usageIdentifierKey, with the tenant and plan as context', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves(tenantItem('pro', 'key-value-acme'));
    // Act
    const result = await handler(event('acme'));
    // Assess
    expect(result.usageIdentifierKey).toBe('key-value-acme');
    expect(result.principalId).toBe('tenant:acme');
    expect(result.context).toEqual({ tenantId: 'acme', plan: 'pro' });
  });

  it('reads only plan and apiKeyValue of the tenant item, with one GetItem', async () => {
    ddb.on(GetItemCommand).resolves(tenantItem('free', 'k'));
    await handler(event('acme'));
    const calls = ddb.commandCalls(GetItemCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      TableName: TABLE_NAME,
      Key: { pk: { S: 'T#acme' }, sk: { S: 'TENANT' } },
      ProjectionExpression: '#plan, apiKeyValue',
      ExpressionAttributeNames: { '#plan': 'plan' },
    });
    expect(ddb.calls()).toHaveLength(1);
  });

  it("allows every method and path under the tenant's own segment, and nothing of another tenant or of /admin", async () => {
    // Prepare: the answer API Gateway caches for this path.
    ddb.on(GetItemCommand).resolves(tenantItem('free', 'k'));
    const result = await handler(event('acme'));
    // Assess
    expect(result.policyDocument.Statement).toHaveLength(1);
    expect(result.policyDocument.Statement[0]!.Effect).toBe('Allow');
    for (const allowed of [
      `${STAGE_ARN}/GET/acme/.well-known/openid-configuration`,
      `${STAGE_ARN}/POST/acme/token`,
      `${STAGE_ARN}/OPTIONS/acme/token`,
      `${STAGE_ARN}/POST/acme/passkeys/authentication/verify`,
    ])
      expect(decision(result, allowed), allowed).toBe('Allow');
    for (const refused of [
      `${STAGE_ARN}/POST/acme2/token`,
      `${STAGE_ARN}/POST/acm/token`,
      `${STAGE_ARN}/POST/admin/tenants`,
      `${STAGE_ARN.replace('/prod', '/test')}/POST/acme/token`,
      'arn:aws:execute-api:us-west-2:111111111111:zzzzzzzzzz/prod/POST/acme/token',
    ])
      expect(decision(result, refused), refused).toBe('implicit-deny');
  });

  it('labels the plan "unknown" in the context when the item has no plan, and still returns the key', async () => {
    ddb.on(GetItemCommand).resolves({ Item: { apiKeyValue: { S: 'k' } } });
    const result = await handler(event('acme'));
    expect(result.usageIdentifierKey).toBe('k');
    expect(result.context).toEqual({ tenantId: 'acme', plan: 'unknown' });
  });
});

describe('tenant authorizer: unknown, reserved and malformed tenant ids', () => {
  it('denies a tenant that does not exist, for the whole stage, without a key (ACCESS_DENIED → 404)', async () => {
    ddb.on(GetItemCommand).resolves({});
    const result = await handler(event('nobody', 'POST', '/token'));
    expect(result.usageIdentifierKey).toBeUndefined();
    expect(result.context).toBeUndefined();
    expect(decision(result, `${STAGE_ARN}/POST/nobody/token`)).toBe('Deny');
    expect(decision(result, `${STAGE_ARN}/GET/nobody/.well-known/jwks.json`)).toBe('Deny');
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(1);
  });

  it('remembers a tenant id that does not exist for a minute: a flood of made-up paths costs one read per container', async () => {
    ddb.on(GetItemCommand).resolves({});
    for (const rest of ['/token', '/authorize', '/userinfo', '/.well-known/jwks.json'])
      expect((await handler(event('made-up-tenant', 'POST', rest))).policyDocument.Statement[0]!.Effect).toBe('Deny');
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(1);
  });

  it('forgets an unknown tenant after its time, so a tenant created meanwhile is found', () => {
    let now = 0;
    const unknown = new UnknownTenants({ ttlMs: 60_000, maxEntries: 2 }, () => now);
    unknown.add('soon-created');
    expect(unknown.has('soon-created')).toBe(true);
    now = 60_001;
    expect(unknown.has('soon-created')).toBe(false);
    // Bounded: the oldest entry goes first.
    unknown.add('a1');
    unknown.add('a2');
    unknown.add('a3');
    expect([unknown.has('a1'), unknown.has('a2'), unknown.has('a3')]).toEqual([false, true, true]);
  });

  it.each([
    ['admin', 'a reserved id (the operator API)'],
    ['.well-known', 'a reserved well-known name'],
    ['login', 'a reserved page name'],
    ['favicon.ico', 'a browser request'],
    ['Acme', 'upper case'],
    ['ab', 'too short'],
    ['-acme', 'a leading hyphen'],
    ['a'.repeat(41), 'too long'],
    ['', 'empty'],
  ])('denies %j (%s) without reading the table', async (tenantId) => {
    const result = await handler(event(tenantId));
    expect(result.policyDocument.Statement[0]!.Effect).toBe('Deny');
    expect(result.usageIdentifierKey).toBeUndefined();
    expect(ddb.calls()).toHaveLength(0);
  });

  it('denies a request without path parameters without reading the table', async () => {
    const result = await handler(event(undefined));
    expect(result.policyDocument.Statement[0]!.Effect).toBe('Deny');
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('tenant authorizer: errors are thrown, never cached as an answer', () => {
  it('throws while the tenant exists but its API key is not provisioned yet (no Allow without a key)', async () => {
    ddb.on(GetItemCommand).resolves(tenantItem('free'));
    await expect(handler(event('fresh'))).rejects.toBeInstanceOf(TenantKeyNotProvisioned);
  });

  it('throws when DynamoDB fails, rather than denying a tenant that may exist', async () => {
    ddb.on(GetItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(handler(event('acme'))).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });

  it('throws on a methodArn it cannot scope to a stage, instead of writing a policy for the wrong resources', async () => {
    const lookup = vi.fn(async () => ({ plan: 'free', apiKeyValue: 'k' }));
    const bad = { ...event('acme'), methodArn: 'not-an-arn' };
    await expect(authorizeTenant(bad, lookup)).rejects.toThrow(/Unexpected methodArn/);
  });

  it('refuses to load without TABLE_NAME (fails at cold start, not on a request)', async () => {
    vi.resetModules();
    vi.stubEnv('TABLE_NAME', '');
    try {
      await expect(import('../../lambdas/authorizer/handler.ts')).rejects.toThrow(/TABLE_NAME/);
    } finally {
      vi.stubEnv('TABLE_NAME', TABLE_NAME);
    }
  });
});
