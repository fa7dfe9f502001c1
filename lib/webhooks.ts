import { Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KeywayFunction } from './keyway-function.ts';
import { KEY_ADMIN_ACTIONS } from './signing-keys.ts';

/** Alias of each region's webhook secret key (one Keyway per account and region, like the signing keys' aliases). */
export const WEBHOOK_SECRET_KEY_ALIAS = 'alias/keyway/webhook-secrets';

/**
 * The role tag the secret key's policy requires for kms:GenerateMac. The routes' roles live in the admin API's nested
 * stack, which already depends on this one (for the key's ARN and the queue's URL), so the key policy cannot name
 * them without a cycle; it names the tag instead, and only `grantSecrets` puts it on a role. An IAM policy elsewhere
 * in the account that allows kms:* therefore still cannot derive webhook secrets.
 */
export const SECRETS_PRINCIPAL_TAG = { key: 'keyway-webhook-secrets', value: 'generate-mac' } as const;

/** What the pipe stamps on every event it puts on the bus, and what the rule matches. */
export const OUTBOX_EVENT = { source: 'keyway.table', detailType: 'keyway.outbox' } as const;

/**
 * The stream filter: new outbox items only (sk `evt_…`, lambdas/core/store/keys.ts). Updates, deletes and TTL expiry
 * of events, and every other item of the table, never leave the pipe.
 */
export const OUTBOX_FILTER = { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'evt_' }] } } } };

/** What route functions of the webhook admin API get from the pipeline, by their `access` (lib/api.ts). */
export interface WebhookAccess {
  /** WEBHOOK_SECRET_KEY_ID, for functions that derive subscription secrets (lambdas/core/webhooks/secrets.ts). */
  readonly secretsEnvironment: Readonly<Record<string, string>>;
  /** WEBHOOK_QUEUE_URL and WEBHOOK_DEAD_LETTER_QUEUE_URL, for functions that enqueue (lambdas/core/webhooks/queue.ts). */
  readonly queueEnvironment: Readonly<Record<string, string>>;
  /** kms:GenerateMac on the secret key (and the role tag its key policy requires). */
  grantSecrets(role: iam.Role): void;
  /** sqs:SendMessage on the dispatch queue (replays); nothing else on it. */
  grantEnqueue(role: iam.IRole): void;
}

export interface WebhooksProps {
  /** The single table; its stream (new images) carries the outbox items. */
  readonly table: dynamodb.Table;
  /**
   * The signer settings every route gets (lib/signing-keys.ts). The dispatcher never signs tokens; with them its
   * SIGNER_MODE is not `local`, so were WEBHOOK_SECRET_KEY_ID ever missing it would fail instead of deriving secrets
   * from a throwaway local key.
   */
  readonly signerEnvironment: Readonly<Record<string, string>>;
  /**
   * The dispatcher's timeout: each attempt has a 15 s HTTP timeout and a batch's messages run concurrently. The
   * queue's visibility timeout is six times this (AWS guidance for SQS event sources).
   * @default 60 seconds
   */
  readonly dispatcherTimeout?: Duration;
  /**
   * Concurrent dispatcher invocations the queue may drive. Slow subscriber endpoints hold an invocation for up to
   * 15 s per attempt; the cap keeps a backlog from taking the account concurrency the sign-in routes need (messages
   * wait in the queue instead).
   * @default 20
   */
  readonly dispatcherMaxConcurrency?: number;
  /**
   * Retries of a stream batch the pipe could not put on the bus before its metadata goes to the pipe's failure queue.
   * Enough to ride out PutEvents throttling (retries back off exponentially); a record that still fails must not hold
   * up every later event of its shard.
   * @default 20
   */
  readonly pipeRetryAttempts?: number;
}

/**
 * Webhook delivery for one region: the transactional outbox (event items in the table) reaches the dispatcher as
 *
 *   table stream → pipe (filter: new `evt_` items) → event bus → rule → SQS queue → dispatcher Lambda → subscribers
 *
 * A Pipe rather than a stream-consumer Lambda: there is no code to run, deploy or pay for per record, the filter
 * drops every other table write before anything is invoked, and the dispatcher stays the only Keyway code on the
 * path. The queue buffers bursts and carries the dispatcher's own retries (SendMessage with a delay); what fails for
 * good lands in one dead-letter queue, which is alarmed. The subscription secrets are derived with the region's KMS
 * HMAC key, which only the dispatcher and the secret-issuing routes may use.
 */
export class Webhooks extends Construct implements WebhookAccess {
  /** HMAC_256 key every subscription's signing secret is derived with. Retained: losing it changes every secret. */
  readonly secretKey: kms.Key;
  readonly bus: events.EventBus;
  readonly pipe: pipes.CfnPipe;
  /** The dispatcher's queue: outbox events from the rule, retries and replays from Keyway. */
  readonly queue: sqs.Queue;
  /**
   * Messages the dispatcher failed on five times and events the rule could not put on the queue (a redrive to the
   * queue processes them again), and a record of each delivery whose last attempt failed (redriven, it is attempted
   * once more unless it was delivered meanwhile; the admin API's replays do the same per delivery or time range).
   */
  readonly deadLetterQueue: sqs.Queue;
  /** Metadata (shard, sequence numbers) of stream batches the pipe could not put on the bus. */
  readonly pipeDeadLetterQueue: sqs.Queue;
  readonly dispatcher: KeywayFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const dispatcherTimeout = props.dispatcherTimeout ?? Duration.seconds(60);
    const tableStreamArn = props.table.tableStreamArn;
    if (!tableStreamArn) throw new Error('Webhooks: the table needs a stream (lib/table.ts)');

    this.secretKey = new kms.Key(this, 'SecretKey', {
      description: 'Keyway webhook secrets: every subscription secret is HMAC(this key, tenant|webhook|salt)',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      // Supplying the policy stops CDK from adding its default `kms:*` for the account root.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountRootAdministersButCannotUse',
            principals: [new iam.AccountRootPrincipal()],
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'GenerateMacOnlyForTaggedKeywayRoles',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:GenerateMac'],
            resources: ['*'],
            conditions: {
              StringEquals: { [`aws:PrincipalTag/${SECRETS_PRINCIPAL_TAG.key}`]: SECRETS_PRINCIPAL_TAG.value },
            },
          }),
        ],
      }),
      // Secrets are derived, never stored: with the key gone, no subscriber's secret can be computed again.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.secretKey.addAlias(WEBHOOK_SECRET_KEY_ALIAS);

    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Keyway outbox events of this region (from the table stream, through the pipe)',
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(dispatcherTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      // The dispatcher schedules retries itself; a message it fails on five times is a bug or an outage, kept aside.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    // The target adds the queue policy: events.amazonaws.com may SendMessage only for this rule (aws:SourceArn).
    new events.Rule(this, 'OutboxToQueue', {
      description: 'Keyway outbox events to the webhook dispatcher queue',
      eventBus: this.bus,
      eventPattern: { source: [OUTBOX_EVENT.source], detailType: [OUTBOX_EVENT.detailType] },
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    this.pipeDeadLetterQueue = new sqs.Queue(this, 'PipeFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const pipeRole = new iam.Role(this, 'PipeRole', {
      description: 'Keyway outbox pipe: reads the table stream, puts events on the webhook bus (Keyway)',
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheTableStream',
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [tableStreamArn],
      }),
    );
    pipeRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'PutOnTheBus', actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RecordFailedBatches',
        actions: ['sqs:SendMessage'],
        resources: [this.pipeDeadLetterQueue.queueArn],
      }),
    );

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: 'Keyway outbox: new event items of the table stream to the webhook bus',
      roleArn: pipeRole.roleArn,
      source: tableStreamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          // TRIM_HORIZON: events written while the pipe was being created are still delivered.
          startingPosition: 'TRIM_HORIZON',
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
          maximumRetryAttempts: props.pipeRetryAttempts ?? 20,
          // A batch PutEvents refuses (one oversized event) is halved until the failing record is alone.
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: this.pipeDeadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(OUTBOX_FILTER) }] },
      },
      target: this.bus.eventBusArn,
      // No input template: the event's detail is the stream record, what lambdas/core/webhooks/queue-body.ts reads.
      targetParameters: { eventBridgeEventBusParameters: { ...OUTBOX_EVENT } },
    });
    // Pipes checks the role's permissions when it creates the pipe: the policy has to exist first.
    this.pipe.node.addDependency(pipeRole);

    this.dispatcher = new KeywayFunction(this, 'Dispatcher', {
      entry: 'lambdas/webhook-dispatcher/handler.ts',
      description: 'Keyway webhook dispatcher: delivers outbox events to subscriptions, with retries',
      memorySize: 512,
      timeout: dispatcherTimeout,
      environment: {
        ...props.signerEnvironment,
        TABLE_NAME: props.table.tableName,
        ...this.secretsEnvironment,
        ...this.queueEnvironment,
      },
    });
    const role = this.dispatcher.role;
    // Subscriptions (Query on the tenant), deliveries (Get/Put/Update), and the transaction that disables a failing
    // subscription with its event (Put, Update, ConditionCheck inside TransactWriteItems). No delete, no scan, no GSI.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeliveriesAndSubscriptions',
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.grantSecrets(role);
    // Retries back onto its own queue; a delivery's last failure to the dead-letter queue.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RetriesAndDeadLetters',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn, this.deadLetterQueue.queueArn],
      }),
    );
    this.dispatcher.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        // The handler answers with the messages that failed; only they are received again.
        reportBatchItemFailures: true,
        maxConcurrency: props.dispatcherMaxConcurrency ?? 20,
      }),
    );

    // (The dispatch dead-letter queue is not flagged: cdk-nag sees the queue's redrive policy name it.)
    Validations.of(this.pipeDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the pipe's failure destination for stream batches (shard and sequence numbers); nothing consumes it but an operator.",
    });
  }

  get secretsEnvironment(): Record<string, string> {
    return { WEBHOOK_SECRET_KEY_ID: this.secretKey.keyArn };
  }

  get queueEnvironment(): Record<string, string> {
    return { WEBHOOK_QUEUE_URL: this.queue.queueUrl, WEBHOOK_DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl };
  }

  /**
   * kms:GenerateMac on the secret key, and the tag the key policy requires of the caller; without the tag the IAM
   * statement alone is refused by KMS.
   */
  grantSecrets(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateMac'], resources: [this.secretKey.keyArn] }),
    );
    Tags.of(role).add(SECRETS_PRINCIPAL_TAG.key, SECRETS_PRINCIPAL_TAG.value);
  }

  grantEnqueue(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
  }
}
