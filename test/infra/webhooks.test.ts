import { Duration, type NestedStack, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/routes.ts';
import type { Api } from '../../lib/api.ts';
import type { Table } from '../../lib/table.ts';
import { OUTBOX_EVENT, SECRETS_PRINCIPAL_TAG, type Webhooks } from '../../lib/webhooks.ts';
import { CDK_CONTEXT, idOf, regionTemplates, resourceOf, synthesize, templateOf } from './app.ts';

// One synthesis of the real app for the whole file (bundling skipped; see bundles.test.ts).
const synth = synthesize();
const labels = Object.keys(CDK_CONTEXT.regions as Record<string, string>);

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
};
type Json = Record<string, unknown>;

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The region's constructs this file looks at. */
function region(label: string) {
  const stack = synth.stack(label);
  const api = stack.node.findChild('Api') as Api;
  const events = stack.node.findChild('Events') as NestedStack;
  const webhooks = events.node.findChild('Webhooks') as Webhooks;
  const table = (stack.node.findChild('Table') as Table).table;
  return { stack, api, events, webhooks, table, t: templateOf(events) };
}

/** How `value` (a token of another construct) is written in the template of `scope`'s stack. */
function refIn(scope: IConstruct, value: string): string {
  return JSON.stringify(Stack.of(scope).resolve(value));
}

/** Allow statements of the identity policies attached to a role, by the role's logical id. */
function roleStatements(t: Template, roleId: string): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

/** Every IAM role of a region: `{nested stack path}/{logical id}`, with its statements and resource. */
function regionRoles(stack: Stack) {
  return regionTemplates(stack).flatMap(({ stack: s, template }) =>
    Object.entries(template.findResources('AWS::IAM::Role')).map(([id, role]) => ({
      key: `${s.node.path}/${id}`,
      scope: s,
      role,
      statements: roleStatements(template, id),
    })),
  );
}

const roleKey = (role: IConstruct) => `${Stack.of(role).node.path}/${idOf(role)}`;

/** Does a statement allow `action` on a resource written as `ref`? */
const allows = (s: Statement, action: string, ref: string) =>
  asArray(s.Action).includes(action) && asArray(s.Resource).some((r) => JSON.stringify(r) === ref);

/**
 * The subset of EventBridge's pattern language the pipe filter uses (arrays of literals, `{prefix}`, nested
 * objects), so the filter is checked by what it lets through rather than by its spelling.
 */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern))
    return pattern.some((p) =>
      typeof p === 'object' && p !== null && 'prefix' in p
        ? typeof value === 'string' && value.startsWith((p as { prefix: string }).prefix)
        : p === value,
    );
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([k, p]) => matches(p, (value as Json)[k]));
}

const streamRecord = (eventName: string, pk: string, sk: string) => ({
  eventName,
  dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } } },
});

describe.each(labels)('webhook pipeline in the %s stack', (label) => {
  const { stack, events, webhooks, table, t } = region(label);
  const resources = t.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
  const pipe = resources[events.getLogicalId(webhooks.pipe)]!.Properties;

  it('lives in the Events nested stack of the regional stack', () => {
    expect(Stack.of(webhooks)).toBe(events);
    expect(events.nestedStackParent).toBe(stack);
    for (const type of ['AWS::Pipes::Pipe', 'AWS::Events::EventBus', 'AWS::Events::Rule', 'AWS::KMS::Key'])
      expect(Object.values(resources).filter((r) => r.Type === type)).toHaveLength(1);
  });

  it('pipes the table stream from the trim horizon, letting through only INSERTs of outbox items (sk evt_…)', () => {
    expect(JSON.stringify(pipe.Source)).toBe(refIn(webhooks, table.tableStreamArn!));
    const params = (pipe.SourceParameters as Json).DynamoDBStreamParameters as Json;
    expect(params.StartingPosition).toBe('TRIM_HORIZON');
    const filters = ((pipe.SourceParameters as Json).FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters).toHaveLength(1);
    const pattern = JSON.parse(filters[0]!.Pattern);
    expect(pattern).toEqual({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'evt_' }] } } } });
    const passes = (r: unknown) => matches(pattern, r);
    expect(passes(streamRecord('INSERT', 'T#acme#EVT#2', 'evt_01J0000000000000000000000'))).toBe(true);
    expect(passes(streamRecord('INSERT', 'T#acme#EVT#TEST', 'evt_01J0000000000000000000000'))).toBe(true);
    // An event's TTL expiry or any update of it is not a new event.
    expect(passes(streamRecord('REMOVE', 'T#acme#EVT#2', 'evt_01J0000000000000000000000'))).toBe(false);
    expect(passes(streamRecord('MODIFY', 'T#acme#EVT#2', 'evt_01J0000000000000000000000'))).toBe(false);
    // Every other item of the table: tenants, subscriptions, deliveries (whose sk merely contains an event id).
    expect(passes(streamRecord('INSERT', 'T#acme', 'TENANT'))).toBe(false);
    expect(passes(streamRecord('INSERT', 'T#acme', 'WEBHOOK#wh_1'))).toBe(false);
    expect(passes(streamRecord('INSERT', 'T#acme#WH#wh_1', 'DLV#evt_01J0000000000000000000000'))).toBe(false);
  });

  it('sends stream batches that keep failing to a failure queue after a bounded number of retries', () => {
    const params = (pipe.SourceParameters as Json).DynamoDBStreamParameters as Json;
    expect(JSON.stringify((params.DeadLetterConfig as Json).Arn)).toBe(
      refIn(webhooks, webhooks.pipeDeadLetterQueue.queueArn),
    );
    expect(params.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(params.MaximumRetryAttempts).toBeLessThanOrEqual(100);
  });

  it('puts the stream record on the bus as the event detail (no input template), under the type the rule matches', () => {
    expect(JSON.stringify(pipe.Target)).toBe(refIn(webhooks, webhooks.bus.eventBusArn));
    const target = pipe.TargetParameters as Json;
    expect(target.InputTemplate).toBeUndefined();
    expect(target.EventBridgeEventBusParameters).toEqual({
      Source: OUTBOX_EVENT.source,
      DetailType: OUTBOX_EVENT.detailType,
    });
  });

  it('routes those events from the bus to the dispatch queue, and what the rule cannot deliver to the dead-letter queue', () => {
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(JSON.stringify(rule.EventBusName)).toBe(refIn(webhooks, webhooks.bus.eventBusName));
    expect(rule.EventPattern).toEqual({ source: [OUTBOX_EVENT.source], 'detail-type': [OUTBOX_EVENT.detailType] });
    const targets = rule.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
    expect(targets).toHaveLength(1);
    expect(JSON.stringify(targets[0]!.Arn)).toBe(refIn(webhooks, webhooks.queue.queueArn));
    expect(JSON.stringify(targets[0]!.DeadLetterConfig?.Arn)).toBe(refIn(webhooks, webhooks.deadLetterQueue.queueArn));
  });

  it('lets EventBridge send to the queues only on behalf of that rule, and refuses every request without TLS', () => {
    const ruleArn = JSON.stringify({ 'Fn::GetAtt': [idOf(webhooks.node.findChild('OutboxToQueue')), 'Arn'] });
    for (const queue of [webhooks.queue, webhooks.deadLetterQueue]) {
      const policies = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::SQS::QueuePolicy' &&
          JSON.stringify(r.Properties.Queues) === `[${refIn(queue, queue.queueUrl)}]`,
      );
      expect(policies, queue.node.path).toHaveLength(1);
      const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      const allowed = statements.filter((s) => s.Effect === 'Allow');
      expect(allowed.length).toBeGreaterThan(0);
      for (const s of allowed) {
        expect(s.Principal).toEqual({ Service: 'events.amazonaws.com' });
        expect(JSON.stringify(s.Condition)).toBe(
          JSON.stringify({ ArnEquals: { 'aws:SourceArn': JSON.parse(ruleArn) } }),
        );
      }
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('redrives a message the dispatcher failed on five times to the dead-letter queue; both keep messages 14 days, encrypted', () => {
    const queue = resourceOf(webhooks.queue).Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: JSON.parse(refIn(webhooks, webhooks.deadLetterQueue.queueArn)),
      maxReceiveCount: 5,
    });
    for (const q of [webhooks.queue, webhooks.deadLetterQueue, webhooks.pipeDeadLetterQueue]) {
      const props = resourceOf(q).Properties;
      expect(props.MessageRetentionPeriod, q.node.path).toBe(Duration.days(14).toSeconds());
      expect(props.SqsManagedSseEnabled, q.node.path).toBe(true);
    }
  });

  it('gives the queue a visibility timeout of at least six times the dispatcher timeout', () => {
    const fn = resourceOf(webhooks.dispatcher.function).Properties;
    expect(fn.Timeout).toBe(60);
    expect(fn.MemorySize).toBe(512);
    expect(resourceOf(webhooks.queue).Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn.Timeout as number));
  });

  it('feeds the dispatcher from the queue in batches that report item failures, with capped concurrency', () => {
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const m = mappings[0]!.Properties;
    expect(JSON.stringify(m.EventSourceArn)).toBe(refIn(webhooks, webhooks.queue.queueArn));
    expect(m.FunctionName).toEqual({ Ref: idOf(webhooks.dispatcher.function) });
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.BatchSize).toBe(10);
    expect((m.ScalingConfig as Json).MaximumConcurrency).toBeGreaterThanOrEqual(2);
  });

  it('runs the dispatcher with its table, queues and secret key, and never in local signer mode', () => {
    const env = resourceOf(webhooks.dispatcher.function).Properties.Environment as { Variables: Json };
    const v = env.Variables;
    expect(JSON.stringify(v.TABLE_NAME)).toBe(refIn(webhooks, table.tableName));
    expect(JSON.stringify(v.WEBHOOK_QUEUE_URL)).toBe(refIn(webhooks, webhooks.queue.queueUrl));
    expect(JSON.stringify(v.WEBHOOK_DEAD_LETTER_QUEUE_URL)).toBe(refIn(webhooks, webhooks.deadLetterQueue.queueUrl));
    expect(JSON.stringify(v.WEBHOOK_SECRET_KEY_ID)).toBe(refIn(webhooks, webhooks.secretKey.keyArn));
    expect(v.SIGNER_MODE).toBe('kms');
    // The safe URL policy (public https only) is the default; the stack must not loosen it.
    expect('WEBHOOK_URL_POLICY' in v).toBe(false);
  });

  it('lets the dispatcher do only what it needs on the table: no delete, no scan, no index', () => {
    const statements = roleStatements(t, idOf(webhooks.dispatcher.role));
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(asArray(dynamo[0]!.Action).sort()).toEqual(
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ].sort(),
    );
    expect(JSON.stringify(dynamo[0]!.Resource)).toBe(refIn(webhooks, table.tableArn));
  });

  it('alarms on both dead-letter queues, dispatcher errors and a dispatch backlog older than an hour', () => {
    const alarms = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties);
    const onQueue = (metric: string, queue: typeof webhooks.queue) =>
      alarms.filter(
        (a) =>
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'QueueName', Value: JSON.parse(refIn(queue, queue.queueName)) }]),
      );
    for (const dlq of [webhooks.deadLetterQueue, webhooks.pipeDeadLetterQueue]) {
      const depth = onQueue('ApproximateNumberOfMessagesVisible', dlq);
      expect(depth, dlq.node.path).toHaveLength(1);
      expect(depth[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    const backlog = onQueue('ApproximateAgeOfOldestMessage', webhooks.queue);
    expect(backlog).toHaveLength(1);
    expect(backlog[0]!.Threshold).toBe(3600);
    const errors = alarms.filter(
      (a) =>
        a.MetricName === 'Errors' &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: idOf(webhooks.dispatcher.function) } }]),
    );
    expect(errors).toHaveLength(1);
  });

  it('shows the webhook queue, dispatcher and dead letters on the region dashboard', () => {
    const dashboard = JSON.stringify(templateOf(stack).findResources('AWS::CloudWatch::Dashboard'));
    for (const title of ['Webhook queue', 'Webhook dispatcher', 'Dead letters']) expect(dashboard).toContain(title);
  });

  it('outputs the dead-letter queue, the dispatch queue and the bus name on the regional stack', () => {
    const outputs = templateOf(stack).toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.WebhookQueue?.Value)).toBe(refIn(stack, webhooks.queue.queueUrl));
    expect(JSON.stringify(outputs.WebhookDeadLetterQueue?.Value)).toBe(refIn(stack, webhooks.deadLetterQueue.queueUrl));
    expect(JSON.stringify(outputs.WebhookBus?.Value)).toBe(refIn(stack, webhooks.bus.eventBusName));
  });
});

describe.each(labels)('webhook secret key in the %s stack', (label) => {
  const { stack, api, webhooks } = region(label);
  const secretRoutes = routes.filter((r) => r.access.webhookSecrets);
  const allowedRoles = new Set([
    roleKey(webhooks.dispatcher.role),
    ...secretRoutes.map((r) => roleKey(api.functions.get(r.id)!.role)),
  ]);

  it('is an HMAC_256 GENERATE_VERIFY_MAC key, retained on delete, with its alias', () => {
    const key = resourceOf(webhooks.secretKey) as unknown as { Properties: Json; DeletionPolicy: string };
    expect(key.Properties.KeySpec).toBe('HMAC_256');
    expect(key.Properties.KeyUsage).toBe('GENERATE_VERIFY_MAC');
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.Properties.EnableKeyRotation).toBeUndefined(); // KMS does not rotate HMAC keys
    templateOf(webhooks).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/keyway/webhook-secrets' });
  });

  it('lets the account root administer the key but use it only through roles carrying the Keyway secrets tag', () => {
    const policy = resourceOf(webhooks.secretKey).Properties.KeyPolicy as { Statement: Statement[] };
    const use = ['kms:GenerateMac', 'kms:VerifyMac', 'kms:*', 'kms:Create*', 'kms:CreateGrant'];
    for (const s of policy.Statement) {
      const actions = asArray(s.Action);
      if (!actions.some((a) => use.includes(a))) continue;
      expect(actions).toEqual(['kms:GenerateMac']);
      expect(s.Condition).toEqual({
        StringEquals: { [`aws:PrincipalTag/${SECRETS_PRINCIPAL_TAG.key}`]: SECRETS_PRINCIPAL_TAG.value },
      });
    }
    expect(policy.Statement.flatMap((s) => asArray(s.Action))).toEqual(
      expect.arrayContaining(['kms:GenerateMac', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy']),
    );
  });

  it('grants kms:GenerateMac only to the dispatcher and the routes with access.webhookSecrets, and tags only them', () => {
    expect(secretRoutes.map((r) => r.id).sort()).toEqual(['admin-webhook-secret', 'admin-webhooks']);
    for (const { key, scope, role, statements } of regionRoles(stack)) {
      const keyRef = refIn(scope, webhooks.secretKey.keyArn);
      const expected = allowedRoles.has(key);
      expect(
        statements.some((s) => allows(s, 'kms:GenerateMac', keyRef)),
        key,
      ).toBe(expected);
      // No other role mentions the key at all, and nobody gets GenerateMac on anything else.
      if (!expected) expect(JSON.stringify(statements), key).not.toContain(keyRef);
      for (const s of statements.filter((st) => asArray(st.Action).includes('kms:GenerateMac')))
        expect(
          asArray(s.Resource).map((r) => JSON.stringify(r)),
          key,
        ).toEqual([keyRef]);
      const tags = (role.Properties.Tags ?? []) as { Key: string; Value: string }[];
      expect(
        tags.some((tag) => tag.Key === SECRETS_PRINCIPAL_TAG.key),
        key,
      ).toBe(expected);
    }
  });

  it('gives WEBHOOK_SECRET_KEY_ID to exactly those routes', () => {
    for (const route of routes) {
      const fn = api.functions.get(route.id)!.function;
      const env = resourceOf(fn).Properties.Environment as { Variables: Json };
      expect('WEBHOOK_SECRET_KEY_ID' in env.Variables, route.id).toBe(route.access.webhookSecrets === true);
      if (route.access.webhookSecrets)
        expect(JSON.stringify(env.Variables.WEBHOOK_SECRET_KEY_ID)).toBe(refIn(fn, webhooks.secretKey.keyArn));
    }
  });
});

describe.each(labels)('webhook queue access in the %s stack', (label) => {
  const { stack, api, webhooks, table } = region(label);
  const queueRoutes = routes.filter((r) => r.access.webhookQueue);

  it('lets only the dispatcher and the routes with access.webhookQueue send to the dispatch queue', () => {
    expect(queueRoutes.map((r) => r.id).sort()).toEqual(['admin-webhook-bulk-replay', 'admin-webhook-replay']);
    const senders = new Set([
      roleKey(webhooks.dispatcher.role),
      ...queueRoutes.map((r) => roleKey(api.functions.get(r.id)!.role)),
    ]);
    for (const { key, scope, statements } of regionRoles(stack)) {
      const queueRef = refIn(scope, webhooks.queue.queueArn);
      const dlqRef = refIn(scope, webhooks.deadLetterQueue.queueArn);
      expect(
        statements.some((s) => allows(s, 'sqs:SendMessage', queueRef) || allows(s, 'sqs:*', queueRef)),
        key,
      ).toBe(senders.has(key));
      // Only the dispatcher parks a failed delivery in the dead-letter queue; replays only enqueue.
      expect(
        statements.some((s) => allows(s, 'sqs:SendMessage', dlqRef)),
        key,
      ).toBe(key === roleKey(webhooks.dispatcher.role));
    }
  });

  it('gives the queue URLs to exactly those routes, which get nothing else of the queue', () => {
    for (const route of routes) {
      const fn = api.functions.get(route.id)!;
      const env = (resourceOf(fn.function).Properties.Environment as { Variables: Json }).Variables;
      const enqueues = route.access.webhookQueue === true;
      expect('WEBHOOK_QUEUE_URL' in env, route.id).toBe(enqueues);
      expect('WEBHOOK_DEAD_LETTER_QUEUE_URL' in env, route.id).toBe(enqueues);
      if (!enqueues) continue;
      expect(JSON.stringify(env.WEBHOOK_QUEUE_URL)).toBe(refIn(fn, webhooks.queue.queueUrl));
      const sqsActions = roleStatements(templateOf(fn.role), idOf(fn.role)).flatMap((s) =>
        asArray(s.Action).filter((a) => a.startsWith('sqs:')),
      );
      expect(sqsActions, route.id).toEqual(['sqs:SendMessage']);
    }
  });

  it('lets the pipe role read only the table stream, put only on its bus and record failures only in its queue', () => {
    const pipeRole = webhooks.node.findChild('PipeRole');
    const role = resourceOf(pipeRole).Properties as { AssumeRolePolicyDocument: { Statement: Statement[] } };
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'pipes.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const statements = roleStatements(templateOf(pipeRole), idOf(pipeRole));
    const byResource = statements.map((s) => ({
      actions: asArray(s.Action).sort(),
      resources: asArray(s.Resource).map((r) => JSON.stringify(r)),
    }));
    expect(byResource).toEqual(
      expect.arrayContaining([
        {
          actions: [
            'dynamodb:DescribeStream',
            'dynamodb:GetRecords',
            'dynamodb:GetShardIterator',
            'dynamodb:ListStreams',
          ],
          resources: [refIn(webhooks, table.tableStreamArn!)],
        },
        { actions: ['events:PutEvents'], resources: [refIn(webhooks, webhooks.bus.eventBusArn)] },
        { actions: ['sqs:SendMessage'], resources: [refIn(webhooks, webhooks.pipeDeadLetterQueue.queueArn)] },
      ]),
    );
    expect(byResource).toHaveLength(3);
  });
});

describe('webhook alarms with an alarm topic', () => {
  const topic = 'arn:aws:sns:us-west-2:111111111111:keyway-alarms';
  const custom = synthesize({ regions: { us: 'us-west-2' }, alarmTopicArns: { us: topic } });
  const webhooks = custom.stack('us').node.findChild('Events').node.findChild('Webhooks') as Webhooks;

  it('notify the region topic from every alarm of the Events stack', () => {
    const alarms = Object.values(templateOf(webhooks).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topic]);
  });
});
