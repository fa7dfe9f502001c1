import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PROVISIONER_RESERVED_CONCURRENCY } from './config.ts';
import { KeywayFunction } from './keyway-function.ts';
import type { UsagePlans } from './usage-plans.ts';

export interface ApiKeyProvisionerProps {
  /** The single table; its stream must carry new and old images. */
  readonly table: dynamodb.Table;
  readonly usagePlans: UsagePlans;
  /**
   * Stream retries before a record goes to the failure queue. The SDK already retries throttled control-plane
   * calls with adaptive backoff inside each attempt.
   * @default 10
   */
  readonly retryAttempts?: number;
}

/**
 * Keeps every tenant's API Gateway key in its plan's usage plan. Fed by the table's stream, filtered to tenant
 * items (pk `T#…`, sk `TENANT`), one record at a time with reserved concurrency 1, because API Gateway's control
 * plane is rate-limited per account (CreateApiKey 5/s). Records that still fail go to a queue that is alarmed.
 */
export class ApiKeyProvisioner extends Construct {
  readonly handler: KeywayFunction;
  /** Failure destination for stream records that exhausted their retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ApiKeyProvisionerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const usagePlanIds = Object.fromEntries(
      [...props.usagePlans.usagePlans].map(([plan, usagePlan]) => [plan, usagePlan.usagePlanId]),
    );

    this.handler = new KeywayFunction(this, 'Handler', {
      entry: 'lambdas/usage-plan-provisioner/handler.ts',
      description: 'Keyway usage-plan provisioner: creates and moves tenant API keys',
      memorySize: 256,
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: PROVISIONER_RESERVED_CONCURRENCY,
      environment: {
        TABLE_NAME: props.table.tableName,
        USAGE_PLAN_IDS: stack.toJsonString(usagePlanIds),
        API_KEY_NAME_PREFIX: `${stack.stackName}-`,
      },
    });
    const role = this.handler.role;

    // Reads the tenant item and writes the key back onto it; nothing else in the table.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );

    const apigwArn = (path: string) => `arn:${stack.partition}:apigateway:${stack.region}::${path}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateAndFindApiKeys',
        actions: ['apigateway:POST', 'apigateway:GET'],
        resources: [apigwArn('/apikeys')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteApiKeys',
        actions: ['apigateway:DELETE'],
        resources: [apigwArn('/apikeys/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'MoveKeysBetweenKeywayUsagePlans',
        actions: ['apigateway:POST', 'apigateway:DELETE'],
        resources: Object.values(usagePlanIds).flatMap((usagePlanId) => [
          apigwArn(`/usageplans/${usagePlanId}/keys`),
          apigwArn(`/usageplans/${usagePlanId}/keys/*`),
        ]),
      }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'FailedRecords', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.handler.function.addEventSource(
      new DynamoEventSource(props.table, {
        // TRIM_HORIZON: a tenant created while the function was being deployed is still provisioned.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 1,
        parallelizationFactor: 1,
        retryAttempts: props.retryAttempts ?? 10,
        bisectBatchOnError: false,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: {
              Keys: {
                pk: { S: lambda.FilterRule.beginsWith('T#') },
                sk: { S: lambda.FilterRule.isEqual('TENANT') },
              },
            },
          }),
        ],
      }),
    );

    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${apigwArn('/apikeys/*')}]`,
        reason:
          'API key ids are created at run time (one per tenant), so DeleteApiKey cannot name them in advance; the wildcard covers API keys only.',
      },
      ...[...props.usagePlans.usagePlans.values()].map((usagePlan) => ({
        // cdk-nag names a token by the logical id it refers to.
        id: `AwsSolutions-IAM5[Resource::${apigwArn(`/usageplans/<${stack.getLogicalId(usagePlan.node.defaultChild as CfnElement)}>/keys/*`)}]`,
        reason:
          "Removing a tenant's key from one of Keyway's own usage plans names the key id, which exists only at run time; the usage plan itself is fixed.",
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'dynamodb:ListStreams (added by the stream event source) and X-Ray trace writes support no resource-level permissions.',
      },
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the failure destination of the provisioner stream; nothing consumes it but an operator.',
    });
  }
}
