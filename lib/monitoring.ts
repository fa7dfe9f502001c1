import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KeywayFunction } from './keyway-function.ts';
import type { Webhooks } from './webhooks.ts';

export interface MonitoringProps {
  readonly api: apigw.RestApi;
  readonly stage: apigw.Stage;
  readonly table: dynamodb.Table;
  /** Functions serving requests (routes and the authorizer): throttles are alarmed per function. */
  readonly requestFunctions: readonly KeywayFunction[];
  /** Functions calling KMS: their logs are scanned for KMS ThrottlingException. */
  readonly kmsFunctions: readonly KeywayFunction[];
  /** Stream consumer whose iterator age is alarmed. */
  readonly streamConsumer?: KeywayFunction;
  /** Dead-letter / failure queues whose depth is alarmed. @default - none */
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /**
   * The webhook pipeline: dispatcher errors and the age of the dispatch queue's oldest message are alarmed (its
   * dead-letter queues go in `deadLetterQueues`).
   * @default - no webhook alarms
   */
  readonly webhooks?: Pick<Webhooks, 'dispatcher' | 'queue'>;
  /**
   * Age of the dispatch queue's oldest message that raises the alarm. Retries re-enqueue with at most 15 minutes of
   * delay, so a message this old means the dispatcher is not keeping up or keeps failing.
   * @default 1 hour
   */
  readonly webhookBacklogAge?: Duration;
  /** Topic notified by every alarm. @default - alarms are only visible in the console and dashboard */
  readonly alarmTopicArn?: string;
  /** Share of requests answered 5xx (API Gateway's or the handlers') that raises the alarm. @default 0.02 */
  readonly serverErrorRateThreshold?: number;
  /** p99 end-to-end latency in milliseconds that raises the alarm. @default 2000 */
  readonly latencyP99ThresholdMs?: number;
}

/**
 * Alarms on what hurts sign-ins (5xx rate, p99 latency, throttling, KMS throttling, stuck provisioning), on webhook
 * deliveries that fail or fall behind, and a dashboard.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const apiDims = { ApiName: props.api.restApiName, Stage: props.stage.stageName };
    const apiMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: apiDims,
        statistic,
        period: fiveMinutes,
      });

    // 5xx as a share of requests, ignored below 20 requests per period so one error at night does not page.
    const serverErrorRate = new cloudwatch.MathExpression({
      label: '5xx rate',
      expression: 'IF(requests >= 20, errors / requests, 0)',
      usingMetrics: { errors: apiMetric('5XXError', 'Sum'), requests: apiMetric('Count', 'Sum') },
      period: fiveMinutes,
    });
    this.alarm('ServerErrorRate', serverErrorRate, {
      threshold: props.serverErrorRateThreshold ?? 0.02,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      alarmDescription: 'More than 2% of requests answered 5xx (API Gateway or handlers).',
    });

    const latencyP99 = apiMetric('Latency', 'p99');
    this.alarm('LatencyP99', latencyP99, {
      threshold: props.latencyP99ThresholdMs ?? 2000,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      alarmDescription: 'p99 end-to-end API latency above threshold for 15 minutes.',
    });

    for (const fn of props.requestFunctions) {
      // Created next to the function, so a function in a nested stack brings its alarm along (500 resources a stack).
      this.alarm(
        `Throttles-${fn.node.id}`,
        fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        {
          threshold: 1,
          evaluationPeriods: 1,
          alarmDescription: `Lambda throttled ${fn.node.path}: account or reserved concurrency exhausted.`,
        },
        Stack.of(fn) === Stack.of(this) ? this : fn,
      );
    }

    const tableThrottles = props.table.metricThrottledRequestsForOperations({
      operations: [
        dynamodb.Operation.GET_ITEM,
        dynamodb.Operation.PUT_ITEM,
        dynamodb.Operation.UPDATE_ITEM,
        dynamodb.Operation.DELETE_ITEM,
        dynamodb.Operation.QUERY,
        dynamodb.Operation.TRANSACT_WRITE_ITEMS,
        dynamodb.Operation.BATCH_WRITE_ITEM,
      ],
      period: fiveMinutes,
    });
    this.alarm('TableThrottles', tableThrottles, {
      threshold: 1,
      evaluationPeriods: 1,
      alarmDescription: 'DynamoDB throttled requests on the Keyway table.',
    });

    // KMS publishes no throttle metric per key; the signer surfaces ThrottlingException in its error logs.
    const kmsThrottled = new cloudwatch.Metric({
      namespace: `Keyway/${props.api.stack.stackName}`,
      metricName: 'KmsThrottled',
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
    for (const fn of props.kmsFunctions) {
      new logs.MetricFilter(this, `KmsThrottled-${fn.node.id}`, {
        logGroup: fn.logGroup,
        filterPattern: logs.FilterPattern.anyTerm('ThrottlingException'),
        metricNamespace: kmsThrottled.namespace,
        metricName: kmsThrottled.metricName,
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      });
    }
    if (props.kmsFunctions.length > 0) {
      this.alarm('KmsThrottling', kmsThrottled, {
        threshold: 1,
        evaluationPeriods: 1,
        alarmDescription:
          'KMS throttled Sign/GetPublicKey: raise the KMS RSA request quota or lower signing routes throttles.',
      });
    }

    for (const [i, queue] of (props.deadLetterQueues ?? []).entries()) {
      // A queue in a nested stack gets its alarm next to it (under its own id there), like the throttle alarms.
      const local = Stack.of(queue) === Stack.of(this);
      this.alarm(
        local ? `DeadLetters${i || ''}` : 'DeadLettersAlarm',
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        {
          threshold: 1,
          evaluationPeriods: 1,
          alarmDescription: `Records failed for good and wait in ${queue.node.path}; inspect and redrive.`,
        },
        local ? this : queue,
      );
    }

    if (props.webhooks) {
      const { dispatcher, queue } = props.webhooks;
      // Each message's own failure is a partial batch response, not a function error: an error here is the
      // dispatcher itself failing (a crash, a timeout, its configuration), for the whole batch.
      this.alarm(
        'DispatcherErrors',
        dispatcher.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        {
          threshold: 1,
          evaluationPeriods: 1,
          alarmDescription: `The webhook dispatcher ${dispatcher.node.path} failed whole batches; read its logs.`,
        },
        Stack.of(dispatcher) === Stack.of(this) ? this : dispatcher,
      );
      const backlogAge = props.webhookBacklogAge ?? Duration.hours(1);
      this.alarm(
        'WebhookBacklog',
        queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
        {
          threshold: backlogAge.toSeconds(),
          evaluationPeriods: 2,
          alarmDescription: `Webhook deliveries are late: a message has waited over ${backlogAge.toHumanString()} in ${queue.node.path}.`,
        },
        Stack.of(queue) === Stack.of(this) ? this : queue,
      );
    }

    if (props.streamConsumer) {
      const iteratorAge = props.streamConsumer.function.metric('IteratorAge', {
        statistic: 'Maximum',
        period: fiveMinutes,
      });
      this.alarm('ProvisioningLag', iteratorAge, {
        threshold: Duration.minutes(5).toMilliseconds(),
        evaluationPeriods: 2,
        alarmDescription: 'Tenant API keys are provisioned late: new tenants get 503 until their key exists.',
      });
    }

    if (props.alarmTopicArn) {
      const action = new SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
      for (const alarm of this.alarms) alarm.addAlarmAction(action);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Requests', left: [apiMetric('Count', 'Sum')], width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Errors',
            left: [apiMetric('4XXError', 'Sum'), apiMetric('5XXError', 'Sum')],
            right: [serverErrorRate],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Latency',
            left: [apiMetric('Latency', 'p50'), latencyP99, apiMetric('IntegrationLatency', 'p99')],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Lambda duration p99',
            left: props.requestFunctions.map((fn) =>
              fn.function.metricDuration({ statistic: 'p99', label: fn.node.id }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Lambda errors and throttles',
            left: props.requestFunctions.map((fn) => fn.function.metricErrors({ label: `${fn.node.id} errors` })),
            right: props.requestFunctions.map((fn) =>
              fn.function.metricThrottles({ label: `${fn.node.id} throttles` }),
            ),
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'KMS throttled', left: [kmsThrottled], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'DynamoDB throttled', left: [tableThrottles], width: 8 }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8 }),
        ],
        ...(props.webhooks ? [webhookWidgets(props.webhooks, props.deadLetterQueues ?? [])] : []),
      ],
    });
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: Pick<
      cloudwatch.CreateAlarmOptions,
      'threshold' | 'evaluationPeriods' | 'datapointsToAlarm' | 'alarmDescription'
    >,
    scope: Construct = this,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...options,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}

/** One dashboard row for webhook delivery: the dispatch queue, the dispatcher, the dead-letter queues. */
function webhookWidgets(
  { dispatcher, queue }: Pick<Webhooks, 'dispatcher' | 'queue'>,
  deadLetterQueues: readonly sqs.IQueue[],
): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Webhook queue',
      left: [queue.metricApproximateNumberOfMessagesVisible({ label: 'visible' })],
      right: [queue.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)', statistic: 'Maximum' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Webhook dispatcher',
      left: [dispatcher.function.metricInvocations(), dispatcher.function.metricErrors()],
      right: [dispatcher.function.metricDuration({ statistic: 'p99' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead letters',
      left: deadLetterQueues.map((q) =>
        q.metricApproximateNumberOfMessagesVisible({ label: q.node.path, statistic: 'Maximum' }),
      ),
      width: 8,
    }),
  ];
}
