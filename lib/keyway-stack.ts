import { Annotations, CfnOutput, Fn, NestedStack, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { limiterPlans } from '../lambdas/core/rate-limit/policies.ts';
import type { Route } from '../lambdas/routes.ts';
import { Api, type Throttle } from './api.ts';
import { ApiKeyProvisioner } from './api-key-provisioner.ts';
import type { KeywayConfig, ThrottleConfig } from './config.ts';
import { CustomDomain } from './custom-domain.ts';
import { EnvelopeSigning, EnvelopeWrappingKey } from './envelope-signing.ts';
import { Monitoring } from './monitoring.ts';
import { SigningKeys, type TokenSigning } from './signing-keys.ts';
import { Table } from './table.ts';
import { TenantAuthorizer } from './tenant-authorizer.ts';
import { UsagePlans } from './usage-plans.ts';
import { Waf } from './waf.ts';
import { Webhooks } from './webhooks.ts';

export interface KeywayStackProps extends StackProps {
  /** Region label from context (`us`, `au`, `eu`); picks the custom domain and alarm topic. */
  readonly label: string;
  /** As readConfig returns it, route ids checked against `routes`. */
  readonly config: KeywayConfig;
  readonly routes: readonly Route[];
}

const throttle = (t: ThrottleConfig): Throttle => ({ rateLimit: t.rate, burstLimit: t.burst });

/**
 * One self-contained regional Keyway: its own table, signing keys, API, usage plans, webhook delivery and alarms. Nothing is
 * shared or replicated across regions, so tenant data, codes, sessions and token families stay in their region.
 * The stack only composes; each concern is its own construct.
 */
export class KeywayStack extends Stack {
  constructor(scope: Construct, id: string, props: KeywayStackProps) {
    super(scope, id, props);
    const { config, routes, label } = props;
    const domain = config.customDomains[label];
    // The region's SES sender, for the routes with access.email (readConfig refuses a region without one then).
    const sendsEmail = routes.some((r) => r.access.email);
    const email = sendsEmail ? config.email[label] : undefined;

    const table = new Table(this, 'Table');
    const signing = config.signing;
    // kms mode: RSA keys in KMS. kms-envelope mode (or kms with envelopeWrappingKey, to prepare a switch): the
    // region's wrapping key, under the same construct id in both cases so switching modes keeps the same key.
    let tokenSigning: TokenSigning;
    let signingKeys: SigningKeys | undefined;
    let wrappingKey: EnvelopeWrappingKey | undefined;
    if (signing.mode === 'kms') {
      signingKeys = new SigningKeys(this, 'SigningKeys', { current: signing.current, published: signing.published });
      tokenSigning = signingKeys;
      if (signing.envelopeWrappingKey) wrappingKey = new EnvelopeWrappingKey(this, 'EnvelopeWrappingKey');
    } else {
      wrappingKey = new EnvelopeWrappingKey(this, 'EnvelopeWrappingKey');
      tokenSigning = EnvelopeSigning.forRegion(wrappingKey, signing, label);
    }
    const { reserved } = config.concurrency;
    const tenantAuthorizer = new TenantAuthorizer(this, 'TenantAuthorizer', {
      table: table.table,
      ...(reserved.authorizer !== undefined ? { reservedConcurrentExecutions: reserved.authorizer } : {}),
    });
    // Webhook delivery in a nested stack of its own (500 resources a stack). Created before the API: the admin API's
    // nested stack takes the secret key and the queue from it, and it takes nothing from the API, so there is no cycle.
    const webhooks = new Webhooks(
      new NestedStack(this, 'Events', { description: 'Keyway webhook delivery: outbox pipe, bus, queue, dispatcher' }),
      'Webhooks',
      { table: table.table, signerEnvironment: tokenSigning.environment },
    );
    const api = new Api(this, 'Api', {
      routes,
      table: table.table,
      signingKeys: tokenSigning,
      tenantAuthorizer: tenantAuthorizer.authorizer,
      webhooks,
      adminKeySha256: config.adminKeySha256,
      stageThrottle: throttle(config.throttling.stage),
      managementThrottle: throttle(config.throttling.management),
      preflightThrottle: throttle(config.throttling.preflight),
      rateLimitPlans: limiterPlans(config.plans),
      reservedConcurrency: reserved,
      ...(email ? { email } : {}),
      ...(domain ? { baseUrl: `https://${domain.domainName}`, disableExecuteApiEndpoint: true } : {}),
    });
    const usagePlans = new UsagePlans(this, 'UsagePlans', { api, plans: config.plans });
    const provisioner = new ApiKeyProvisioner(this, 'ApiKeyProvisioner', { table: table.table, usagePlans });

    const customDomain = domain
      ? new CustomDomain(this, 'CustomDomain', { api: api.restApi, stage: api.stage, domain })
      : undefined;

    if (config.waf.enabled) {
      new Waf(this, 'Waf', {
        stage: api.stage,
        limitPerIp: config.waf.limitPerIp,
        windowSeconds: config.waf.windowSeconds,
        backChannelRoutes: config.waf.backChannelRouteIds.map((id) => routes.find((r) => r.id === id)!),
        backChannelLimitPerIp: config.waf.backChannelLimitPerIp ?? config.waf.limitPerIp * 10,
      });
    } else {
      Validations.of(api.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'WAF switched off in cdk.json context (waf.enabled=false) by the operator for this deployment.',
      });
    }

    const routeFunctions = [...api.functions.values()];
    // In kms mode signing routes call Sign and publishing routes GetPublicKey; in kms-envelope mode only signing
    // routes call KMS (one Decrypt per cold start).
    const kmsRouteIds = new Set(
      routes.filter((r) => r.access.sign || (signing.mode === 'kms' && r.access.publicKeys)).map((r) => r.id),
    );
    const monitoring = new Monitoring(this, 'Monitoring', {
      api: api.restApi,
      stage: api.stage,
      table: table.table,
      requestFunctions: [...routeFunctions, tenantAuthorizer.handler],
      kmsFunctions: [...api.functions].filter(([id]) => kmsRouteIds.has(id)).map(([, fn]) => fn),
      streamConsumer: provisioner.handler,
      deadLetterQueues: [provisioner.deadLetterQueue, webhooks.deadLetterQueue, webhooks.pipeDeadLetterQueue],
      webhooks,
      ...(config.alarmTopicArns[label] ? { alarmTopicArn: config.alarmTopicArns[label] } : {}),
    });

    if (email?.createConfigurationSet && email.configurationSet) {
      // Bounces and complaints put the recipient on the suppression list; reputation metrics feed the SES rates.
      new ses.ConfigurationSet(this, 'EmailConfigurationSet', {
        configurationSetName: email.configurationSet,
        reputationMetrics: true,
        sendingEnabled: true,
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      });
    }
    if (email && isExampleDomain(email.identity)) {
      Annotations.of(this).addWarningV2(
        'keyway:example-email-identity',
        `email.${label}.identity is ${email.identity}, a reserved example name: the routes that send email will fail until it names your verified SES identity (docs/DEPLOY.md, email).`,
      );
    }

    if (!config.adminKeySha256) {
      Annotations.of(this).addWarningV2(
        'keyway:no-operator-key',
        'adminKeySha256 is empty: the platform operator key is refused, so no tenant (or tenant API key) can be created. Deploy with -c adminKeySha256=... (docs/DEPLOY.md).',
      );
    }

    new CfnOutput(this, 'IssuerBaseUrl', {
      description: 'A tenant issuer is {IssuerBaseUrl}/{tenantId}',
      value:
        customDomain?.baseUrl ??
        Fn.join('', [
          'https://',
          api.restApi.restApiId,
          '.execute-api.',
          this.region,
          '.',
          this.urlSuffix,
          '/',
          api.stage.stageName,
        ]),
    });
    new CfnOutput(this, 'TableName', { value: table.table.tableName });
    if (signingKeys) new CfnOutput(this, 'SigningKeyArn', { value: signingKeys.current.keyArn });
    if (wrappingKey) {
      new CfnOutput(this, 'EnvelopeWrappingKeyArn', {
        description: 'Pass as --key to scripts/generate-envelope-key.ts (its alias works too)',
        value: wrappingKey.key.keyArn,
      });
    }
    if (tokenSigning instanceof EnvelopeSigning) {
      new CfnOutput(this, 'SigningKeyKid', {
        description: 'kid of the tokens this region signs',
        value: tokenSigning.kid,
      });
    }
    new CfnOutput(this, 'Dashboard', { value: monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'ProvisionerFailureQueue', { value: provisioner.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'WebhookDeadLetterQueue', {
      description: 'Webhook dead letters (alarmed): failed deliveries and dispatch messages; docs/DEPLOY.md, webhooks',
      value: webhooks.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'WebhookQueue', {
      description: 'The webhook dispatch queue (the destination of a dead-letter redrive)',
      value: webhooks.queue.queueUrl,
    });
    new CfnOutput(this, 'WebhookBus', { description: 'Event bus of outbox events', value: webhooks.bus.eventBusName });
  }
}

/** RFC 2606 names, as shipped in cdk.json: no SES account can verify them. */
function isExampleDomain(identity: string): boolean {
  const domain = identity.slice(identity.lastIndexOf('@') + 1);
  return /(^|\.)example\.(com|net|org)$|\.(example|test|invalid|localhost)$/.test(domain);
}
