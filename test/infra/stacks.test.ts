import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/core/store/schema.ts';
import { PLANS } from '../../lambdas/core/store/tenants.ts';
import { isTenantScoped, routes } from '../../lambdas/routes.ts';
import { type Api, isManagementRoute } from '../../lib/api.ts';
import type { PlanConfig } from '../../lib/config.ts';
import { KeywayFunction } from '../../lib/keyway-function.ts';
import type { TenantAuthorizer } from '../../lib/tenant-authorizer.ts';
import type { Webhooks } from '../../lib/webhooks.ts';
import { CDK_CONTEXT, findInRegion, idOf, regionTemplates, resourceOf, synthesize } from './app.ts';

// One synthesis of the real app for the whole file (bundling skipped; see bundles.test.ts).
const synth = synthesize();
const template = synth.template('us');
const stack = synth.stack('us');
const api = stack.node.findChild('Api') as Api;
const plans = CDK_CONTEXT.plans as Record<string, PlanConfig>;

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown };

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every action allowed by the identity policies attached to a role. */
function roleActions(t: Template, roleId: string): Set<string> {
  const actions = new Set<string>();
  for (const policy of Object.values(t.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    if (!roles.includes(roleId)) continue;
    for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (s.Effect === 'Allow') for (const a of asArray(s.Action)) actions.add(a);
    }
  }
  return actions;
}

function keyPolicy(t: Template): Statement[] {
  const keys = Object.values(t.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0]!.Properties.KeyPolicy.Statement as Statement[];
}

/** A gateway response's body as a client sees it, with API Gateway's variables filled in. */
function gatewayResponseBody(type: string): Record<string, unknown> {
  const [response, ...others] = Object.values(
    template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } }),
  );
  expect(response).toBeDefined();
  expect(others).toHaveLength(0);
  const vtl = response!.Properties.ResponseTemplates['application/json'] as string;
  // $context.error.messageString is already a quoted JSON string; $context.requestId sits inside quotes.
  return JSON.parse(
    vtl
      .replaceAll('$context.error.messageString', '"API Gateway message"')
      .replaceAll('$context.requestId', 'request-id'),
  );
}

describe('cdk-nag gate', () => {
  // Every stack above synthesized, so the AwsSolutions checks that createApp wires in found nothing unacknowledged
  // (Template.fromStack runs them and throws on an error). This control proves the wiring bites.
  it('fails synthesis of the real app on an unacknowledged finding (control: a queue without TLS enforcement)', async () => {
    // Prepare
    const { Queue } = await import('aws-cdk-lib/aws-sqs');
    const { Template } = await import('aws-cdk-lib/assertions');
    const { createApp } = await import('../../lib/app.ts');
    const app = createApp({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = app.node.findChild('Keyway-us') as Stack;
    new Queue(stack, 'UnacknowledgedQueue');
    // Act + Assess
    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-SQS/);
  });
});

describe('regional stacks', () => {
  it('synthesizes one self-contained stack per region in cdk.json, each with an explicit region', () => {
    const regions = CDK_CONTEXT.regions as Record<string, string>;
    expect(Object.keys(regions)).toEqual(['us', 'au', 'eu']);
    for (const [label, region] of Object.entries(regions)) {
      const s: Stack = synth.stack(label);
      expect(s.region).toBe(region);
      // Each region has its own table, key and API: nothing is imported from another stack.
      const t = synth.template(label);
      t.resourceCountIs('AWS::DynamoDB::Table', 1);
      t.resourceCountIs('AWS::KMS::Key', 1);
      t.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      expect(JSON.stringify(t.toJSON())).not.toContain('Fn::ImportValue');
    }
  });

  // CloudFormation refuses a stack of more than 500 resources; 450 leaves room for one more group of routes before
  // a group has to move into a nested stack of its own (admin API, hosted pages, events).
  it.each(Object.keys(CDK_CONTEXT.regions as Record<string, string>))(
    'keeps the %s stack and each of its nested stacks under 450 of the 500 resources CloudFormation allows per stack',
    (label) => {
      const stacks = regionTemplates(synth.stack(label));
      expect(stacks.map((s) => s.stack.node.id).sort()).toEqual([
        'AdminApi',
        'Events',
        'HostedPages',
        'Integrations',
        `Keyway-${label}`,
      ]);
      for (const { stack: s, template: t } of stacks) {
        const count = Object.keys(t.toJSON().Resources ?? {}).length;
        expect(count, s.node.path).toBeLessThan(450);
      }
    },
  );

  it('puts the functions of routes with a stack (admin-api, hosted-pages, integrations) in that nested stack, methods on the one API', () => {
    for (const route of routes) {
      const fnStack = Stack.of(api.functions.get(route.id)!.function);
      const expected = route.stack ? api.nestedStacks.get(route.stack) : stack;
      expect(fnStack === expected, route.id).toBe(true);
      for (const method of api.methods.get(route.id) ?? []) expect(Stack.of(method) === stack, route.id).toBe(true);
    }
  });

  it(`synthesizes in reasonable time (${synth.seconds.toFixed(1)} s for three stacks, no bundling)`, () => {
    expect(synth.seconds).toBeLessThan(60);
  });
});

describe('functions', () => {
  it('has exactly one Lambda per route plus the tenant authorizer, the usage-plan provisioner and the webhook dispatcher', () => {
    const functions = findInRegion(stack, 'AWS::Lambda::Function');
    const key = (c: IConstruct) => `${Stack.of(c).node.path}/${idOf(c)}`;
    const expected = [
      ...routes.map((r) => key(api.functions.get(r.id)!.function)),
      key((stack.node.findChild('TenantAuthorizer') as TenantAuthorizer).handler.function),
      key(
        (stack.node.findChild('ApiKeyProvisioner').node.findChild('Handler') as IConstruct).node.findChild('Function'),
      ),
      key((stack.node.findChild('Events').node.findChild('Webhooks') as Webhooks).dispatcher.function),
    ];
    expect(Object.keys(functions).sort()).toEqual(expected.sort());
  });

  it('runs every function on Node 22, arm64, with X-Ray tracing and its own log group with retention', () => {
    for (const { template: t } of regionTemplates(stack)) {
      const logGroups = t.findResources('AWS::Logs::LogGroup');
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) {
        expect(fn.Properties.Runtime).toBe('nodejs22.x');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.Properties.Handler).toBe('index.handler');
        const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
        expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBeGreaterThan(0);
      }
    }
  });

  it('does not load source maps at run time, and never sets AWS_PROFILE (the credentials come from Lambda)', () => {
    for (const fn of Object.values(findInRegion(stack, 'AWS::Lambda::Function'))) {
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env.NODE_OPTIONS ?? '').not.toMatch(/--enable-source-maps/);
      expect('AWS_PROFILE' in env).toBe(false);
    }
  });

  it('refuses AWS_PROFILE on a KeywayFunction: it would make the SDK skip the environment credentials', () => {
    const scope = new Stack();
    expect(
      () =>
        new KeywayFunction(scope, 'Profiled', {
          entry: routes[0]!.entry,
          description: 'refused',
          environment: { AWS_PROFILE: 'default' },
        }),
    ).toThrow(/AWS_PROFILE must not be set/);
  });

  it('sets memory and timeout deliberately: more memory for signing routes, timeouts under API Gateway 29 s', () => {
    for (const route of routes) {
      const fn = resourceOf(api.functions.get(route.id)!.function);
      expect(fn.Properties.MemorySize).toBe(route.access.sign ? 1024 : 512);
      expect(fn.Properties.Timeout).toBeLessThan(29);
    }
  });

  it('gives each route the signer settings, TABLE_NAME only when it uses the table, the operator key hash only on management routes', () => {
    for (const route of routes) {
      const fn = resourceOf(api.functions.get(route.id)!.function);
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env.SIGNER_MODE).toBe('kms');
      expect(env.SIGNING_KEY_ID).toBeDefined();
      expect('TABLE_NAME' in env).toBe(route.access.dynamodb.length > 0);
      expect('KEYWAY_ADMIN_KEY_SHA256' in env).toBe(isManagementRoute(route));
      expect('BASE_URL' in env).toBe(false); // no custom domain in the default context
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('keyway');
    }
  });
});

describe('signing key', () => {
  it('is an RSA_2048 SIGN_VERIFY KMS key, retained on delete, with an alias per generation', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/keyway/signing-k1' });
  });

  it('does not let the account root sign (no kms:Sign, kms:*, or kms:CreateGrant), but lets it administer the key', () => {
    const root = keyPolicy(template).filter((s) => JSON.stringify(s.Principal).includes(':root'));
    expect(root).toHaveLength(1);
    const actions = asArray(root[0]!.Action);
    expect(actions).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey']));
    for (const forbidden of ['kms:*', 'kms:Sign', 'kms:Verify', 'kms:CreateGrant', 'kms:Create*', 'kms:Get*'])
      expect(actions).not.toContain(forbidden);
  });

  it('names exactly the roles of routes with access.sign in the key policy for kms:Sign', () => {
    const signers = keyPolicy(template)
      .filter((s) => s.Effect === 'Allow' && asArray(s.Action).some((a) => a === 'kms:Sign' || a === 'kms:*'))
      .flatMap((s) => asArray((s.Principal as { AWS: unknown }).AWS))
      .map((p) => (p as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0])
      .sort();
    const expected = routes.filter((r) => r.access.sign).map((r) => logicalId(api.functions.get(r.id)!.role));
    expect(expected.length).toBeGreaterThan(0);
    expect(signers).toEqual(expected.sort());
  });

  it('grants kms:Sign only to signing routes and kms:GetPublicKey only to routes that sign or publish keys', () => {
    const routeRoles = new Map(
      routes.map((r) => [
        `${Stack.of(api.functions.get(r.id)!.role).node.path}/${idOf(api.functions.get(r.id)!.role)}`,
        r,
      ]),
    );
    const roles = regionTemplates(stack).flatMap(({ stack: s, template: t }) =>
      Object.keys(t.findResources('AWS::IAM::Role')).map((id) => ({ key: `${s.node.path}/${id}`, id, t })),
    );
    for (const { key: roleId, id, t } of roles) {
      const route = routeRoles.get(roleId);
      const actions = roleActions(t, id);
      expect(actions.has('kms:Sign'), roleId).toBe(route?.access.sign === true);
      expect(actions.has('kms:GetPublicKey'), roleId).toBe(!!route && (route.access.sign || route.access.publicKeys));
      expect(
        [...actions].some((a) => a === 'kms:*' || a === '*'),
        roleId,
      ).toBe(false);
    }
  });
});

describe('table access', () => {
  // What each route's role may do on the table: test/infra/least-privilege.test.ts.
  it('lets the tenant authorizer do nothing but GetItem on the table', () => {
    const authorizer = stack.node.findChild('TenantAuthorizer') as TenantAuthorizer;
    const actions = [...roleActions(template, logicalId(authorizer.handler.role))];
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual(['dynamodb:GetItem']);
  });

  it('is on-demand with PITR, TTL, deletion protection, encryption and retained on delete, shaped by TABLE_SCHEMA', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: TABLE_SCHEMA.gsi1.name })],
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('usage plans without client API keys', () => {
  it('takes the API key from the authorizer, never from an x-api-key header', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
  });

  it('puts every issuer-scoped method behind the REQUEST authorizer cached by request path, with a key required', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'context.path',
      AuthorizerResultTtlInSeconds: 300,
    });
    for (const route of routes) {
      for (const method of api.methods.get(route.id)!) {
        const props = template.toJSON().Resources[logicalId(method)].Properties;
        if (isTenantScoped(route)) {
          expect(props.AuthorizationType, route.id).toBe('CUSTOM');
          expect(props.ApiKeyRequired, route.id).toBe(true);
        } else {
          expect(props.AuthorizationType, route.id).toBe('NONE');
          expect(props.ApiKeyRequired ?? false, route.id).toBe(false);
        }
      }
    }
  });

  it('has one usage plan per plan with the rate, burst, quota and token/authorize overrides from cdk.json', () => {
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', PLANS.length);
    for (const plan of PLANS) {
      const config = plans[plan]!;
      const overrides: Record<string, unknown> = {};
      for (const [routeId, t] of Object.entries(config.methods)) {
        const route = routes.find((r) => r.id === routeId);
        for (const method of route?.methods.filter((m) => m !== 'OPTIONS') ?? [])
          overrides[`${route!.path}/${method}`] = { RateLimit: t.rate, BurstLimit: t.burst };
      }
      expect(Object.keys(overrides)).toEqual(
        expect.arrayContaining(['/{tenantId}/token/POST', '/{tenantId}/authorize/GET']),
      );
      template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
        UsagePlanName: `keyway-${plan}`,
        Throttle: { RateLimit: config.rate, BurstLimit: config.burst },
        Quota: { Limit: config.quota.limit, Period: config.quota.period },
        ApiStages: [Match.objectLike({ Throttle: overrides })],
      });
    }
  });

  it('feeds the provisioner from the table stream, tenant items only, one at a time, with a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 'T#' }] }, sk: { S: ['TENANT'] } } } }) },
        ],
      },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('usage-plan provisioner'),
      ReservedConcurrentExecutions: 1,
    });
  });
});

describe('edge', () => {
  it("answers API Gateway's own errors as problem+json (429 on throttling, 404 for an unknown tenant)", () => {
    // [response type, status, Keyway code, OAuth error, Retry-After]
    for (const [type, status, code, error, retryAfter] of [
      ['THROTTLED', '429', 'rate_limited', 'temporarily_unavailable', '1'],
      ['QUOTA_EXCEEDED', '429', 'quota_exceeded', 'temporarily_unavailable', undefined],
      ['ACCESS_DENIED', '404', 'not_found', 'invalid_request', undefined],
      ['REQUEST_TOO_LARGE', '413', 'payload_too_large', 'invalid_request', undefined],
      // A throwing Lambda authorizer (tenant key not provisioned yet) surfaces as AUTHORIZER_CONFIGURATION_ERROR.
      ['AUTHORIZER_FAILURE', '503', 'temporarily_unavailable', 'temporarily_unavailable', '2'],
      ['AUTHORIZER_CONFIGURATION_ERROR', '503', 'temporarily_unavailable', 'temporarily_unavailable', '2'],
      ['INVALID_API_KEY', '503', 'temporarily_unavailable', 'temporarily_unavailable', '2'],
    ] as const) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: status,
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
          ...(retryAfter ? { 'gatewayresponse.header.Retry-After': `'${retryAfter}'` } : {}),
        }),
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"traceId":"\\$context.requestId"') },
      });
      const body = gatewayResponseBody(type);
      expect(body).toMatchObject({ type: `urn:keyway:error:${code}`, status: Number(status), code, error });
    }
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: type });
    }
    expect(gatewayResponseBody('DEFAULT_4XX').error).toBe('invalid_request');
    expect(gatewayResponseBody('DEFAULT_5XX').error).toBe('server_error');
  });

  it('gives every gateway response a registered OAuth error, a title, a detail and the traceId', () => {
    const registered = ['invalid_request', 'access_denied', 'server_error', 'temporarily_unavailable'];
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(responses.length).toBeGreaterThan(10);
    for (const r of responses) {
      const body = gatewayResponseBody(r.Properties.ResponseType as string);
      expect(registered).toContain(body.error);
      expect(body).toMatchObject({ title: expect.any(String), detail: expect.any(String), traceId: 'request-id' });
      expect(body.type).toBe(`urn:keyway:error:${body.code}`);
    }
  });

  it('puts a regional WAF web ACL on the stage: a per-IP rule for every route, the back channel with its own higher limit', () => {
    const backChannel = (CDK_CONTEXT.waf as { backChannelRouteIds: string[] }).backChannelRouteIds;
    expect(backChannel).toEqual(['token', 'revoke', 'introspect']);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [
        Match.objectLike({
          Name: 'rate-limit-per-ip',
          Statement: {
            RateBasedStatement: Match.objectLike({
              AggregateKeyType: 'IP',
              Limit: 3000,
              ScopeDownStatement: { NotStatement: Match.anyValue() },
            }),
          },
          Action: { Block: { CustomResponse: Match.objectLike({ ResponseCode: 429 }) } },
        }),
        Match.objectLike({
          Name: 'rate-limit-per-ip-back-channel',
          Statement: {
            RateBasedStatement: Match.objectLike({
              AggregateKeyType: 'IP',
              Limit: 30000,
              ScopeDownStatement: { OrStatement: Match.anyValue() },
            }),
          },
          Action: { Block: { CustomResponse: Match.objectLike({ ResponseCode: 429 }) } },
        }),
      ],
    });
    // The two scope-downs are complements of one match: every request is counted by exactly one rule.
    const [webAcl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    const [front, back] = webAcl!.Properties.Rules as {
      Statement: { RateBasedStatement: { ScopeDownStatement: Record<string, unknown> } };
    }[];
    expect(front!.Statement.RateBasedStatement.ScopeDownStatement).toEqual({
      NotStatement: { Statement: back!.Statement.RateBasedStatement.ScopeDownStatement },
    });
    const suffixes = JSON.stringify(back!.Statement.RateBasedStatement.ScopeDownStatement);
    for (const path of ['/token', '/revoke', '/introspect']) expect(suffixes).toContain(`"SearchString":"${path}"`);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    const body = JSON.parse(acl!.Properties.CustomResponseBodies['rate-limited'].Content);
    expect(body).toMatchObject({ status: 429, code: 'rate_limited', error: 'temporarily_unavailable' });
  });

  it('logs access as JSON and execution errors, never request bodies', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ Format: Match.stringLikeRegexp('requestId') }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', DataTraceEnabled: false, LoggingLevel: 'ERROR' }),
      ]),
    });
  });
});

describe('monitoring', () => {
  const alarms = () => Object.values(findInRegion(stack, 'AWS::CloudWatch::Alarm'));
  const described = (pattern: RegExp) => alarms().filter((a) => pattern.test(a.Properties.AlarmDescription ?? ''));

  it('alarms on 5xx rate, p99 latency, KMS throttling, provisioning lag and records in each failure queue', () => {
    expect(described(/5xx/)).toHaveLength(1);
    expect(described(/p99/)).toHaveLength(1);
    expect(described(/KMS throttled/)).toHaveLength(1);
    expect(described(/provisioned late/)).toHaveLength(1);
    // The provisioner's, the webhook dispatcher's and the outbox pipe's (test/infra/webhooks.test.ts).
    expect(described(/Records failed/)).toHaveLength(3);
    expect(described(/webhook dispatcher/)).toHaveLength(1);
    expect(described(/Webhook deliveries are late/)).toHaveLength(1);
    expect(described(/DynamoDB throttled/)).toHaveLength(1);
  });

  it('alarms on throttles of every request-serving function', () => {
    expect(described(/Lambda throttled/)).toHaveLength(routes.length + 1);
  });

  it('counts KMS ThrottlingException in the logs of every function that calls KMS', () => {
    const kmsRoutes = routes.filter((r) => r.access.sign || r.access.publicKeys);
    template.resourceCountIs('AWS::Logs::MetricFilter', kmsRoutes.length);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"ThrottlingException"' });
  });

  it('has a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('options from context', () => {
  const custom = synthesize({
    regions: { us: 'us-west-2' },
    waf: { enabled: false },
    customDomains: {
      us: {
        domainName: 'id.us.example.com',
        certificateArn: 'arn:aws:acm:us-west-2:111111111111:certificate/abc',
        hostedZoneId: 'Z123',
        hostedZoneName: 'example.com',
      },
    },
    adminKeySha256: 'a'.repeat(64),
  });
  const t = custom.template('us');
  const customApi = custom.stack('us').node.findChild('Api') as Api;

  it('serves a custom domain at the root with TLS 1.2, sets BASE_URL and turns off the execute-api hostname', () => {
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'id.us.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    t.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    t.resourceCountIs('AWS::Route53::RecordSet', 1);
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    const fnId = custom
      .stack('us')
      .getLogicalId(customApi.functions.get('discovery')!.function.node.defaultChild as CfnElement);
    expect(t.toJSON().Resources[fnId].Properties.Environment.Variables.BASE_URL).toBe('https://id.us.example.com');
  });

  it('leaves WAF out when waf.enabled is false', () => {
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  it('refuses a back-channel route id that names no route, and the retired exemptRouteIds, instead of dropping them', () => {
    expect(() => synthesize({ waf: { backChannelRouteIds: ['tokn'] } })).toThrow(/"tokn" is not a route id/);
    expect(() => synthesize({ waf: { exemptRouteIds: ['token'] } })).toThrow(/backChannelRouteIds/);
  });

  it('gives the operator key hash from context to management routes (in the admin API nested stack)', () => {
    const fn = resourceOf(customApi.functions.get('admin-tenants')!.function);
    expect(fn.Properties.Environment.Variables.KEYWAY_ADMIN_KEY_SHA256).toBe('a'.repeat(64));
  });
});
