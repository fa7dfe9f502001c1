import { Duration, NestedStack, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type RateLimitPlans, rateLimitPlansFor } from '../lambdas/core/rate-limit/policies.ts';
import { TABLE_SCHEMA } from '../lambdas/core/store/schema.ts';
import { authOf, type DynamoDbAction, isTenantScoped, type Route } from '../lambdas/routes.ts';
import { type EmailSenderConfig, senderAddress } from './config.ts';
import { KeywayFunction } from './keyway-function.ts';
import { ProblemResponses } from './problem-responses.ts';
import type { TokenSigning } from './signing-keys.ts';
import type { WebhookAccess } from './webhooks.ts';

/**
 * Partition keys of the application rate limiter's counters (`keys.rateCounter` in lambdas/core/store/keys.ts:
 * `T#{tenantId}#RL#…`), the only items its extra dynamodb:UpdateItem may touch.
 */
export const RATE_COUNTER_LEADING_KEYS = 'T#*#RL#*';

/**
 * Management routes (any method whose `auth` in the route table is not `public`): the shared middleware checks the
 * operator key or a tenant API key; only these functions receive the operator key's hash.
 */
export function isManagementRoute(route: Route): boolean {
  return route.methods.some((method) => {
    const auth = authOf(route, method);
    return auth !== undefined && auth !== 'public';
  });
}

export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface ApiProps {
  /** The shared route table (lambdas/routes.ts): one function per entry, one method per entry method. */
  readonly routes: readonly Route[];
  readonly table: dynamodb.Table;
  /** The deployment's signing mode: its environment and grants (lib/signing-keys.ts, lib/envelope-signing.ts). */
  readonly signingKeys: TokenSigning;
  /** Authorizer for issuer-scoped routes; returns the tenant's API key for usage plans. */
  readonly tenantAuthorizer: apigw.IAuthorizer;
  /**
   * The region's webhook pipeline (lib/webhooks.ts): routes with `access.webhookSecrets` get its secret key, routes
   * with `access.webhookQueue` its dispatch queue, each only what its `access` says.
   */
  readonly webhooks: WebhookAccess;
  /**
   * The region's email sender (cdk.json `email.{label}`): routes with `access.email` get its address as EMAIL_FROM
   * (and EMAIL_CONFIGURATION_SET) and ses:SendEmail from its identity only.
   * @default - none; a route with `access.email` is then refused
   */
  readonly email?: EmailSenderConfig;
  /**
   * Public base URL when a custom domain fronts the API (`BASE_URL`).
   * @default - handlers derive `https://{domainName}/{stage}` from the request context
   */
  readonly baseUrl?: string;
  /** Hex SHA-256 of the platform operator key, given to management routes only. Empty refuses the operator. */
  readonly adminKeySha256: string;
  /**
   * Turns off the execute-api hostname (when a custom domain is the only way in, so there is one issuer).
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
  /** @default 'prod' */
  readonly stageName?: string;
  /** Every method's throttle unless one below applies (the tenant-scoped methods but OPTIONS), all callers together. */
  readonly stageThrottle: Throttle;
  /** Each method of a route outside the usage plans (not tenant-scoped: the admin API), all callers together. */
  readonly managementThrottle: Throttle;
  /** Each OPTIONS method of a tenant-scoped route (CORS preflights), all callers together. */
  readonly preflightThrottle: Throttle;
  /**
   * What the application rate limiter enforces per plan (`limiterPlans` of cdk.json `plans`): each tenant-scoped
   * function gets the part for its own route as RATE_LIMIT_PLANS.
   */
  readonly rateLimitPlans: RateLimitPlans;
  /**
   * Reserved concurrent executions by route id (guarantee and cap at once).
   * @default - every route function unreserved
   */
  readonly reservedConcurrency?: Readonly<Record<string, number>>;
}

/**
 * The REST API, generated from the route table: one NodejsFunction per route, granted exactly what its
 * `access` says, wired to one method per HTTP method (OPTIONS included: handlers answer CORS preflights).
 */
export class Api extends Construct {
  readonly restApi: apigw.RestApi;
  readonly stage: apigw.Stage;
  readonly functions: ReadonlyMap<string, KeywayFunction>;
  readonly methods: ReadonlyMap<string, readonly apigw.Method[]>;
  /** The nested stacks holding the functions of routes with a `stack` (methods stay on the API in this stack). */
  readonly nestedStacks: ReadonlyMap<string, NestedStack>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'prod';
    const emailRoutes = props.routes.filter((r) => r.access.email).map((r) => r.id);
    if (emailRoutes.length > 0 && !props.email)
      throw new Error(
        `Api: the routes ${emailRoutes.join(', ')} send email (access.email) but no email sender is given`,
      );

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A method's own settings replace the stage's `/*/*` defaults for it, so each repeats the logging settings.
    const logging: apigw.MethodDeploymentOptions = {
      metricsEnabled: true,
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      // Never log request/response bodies: they carry codes, tokens and passkey assertions.
      dataTraceEnabled: false,
    };
    const throttled = (t: Throttle): apigw.MethodDeploymentOptions => ({
      ...logging,
      throttlingRateLimit: t.rateLimit,
      throttlingBurstLimit: t.burstLimit,
    });
    const methodOptions: Record<string, apigw.MethodDeploymentOptions> = {};
    for (const route of props.routes) {
      for (const method of route.methods) {
        // No usage plan covers these: the method throttle is their only API Gateway limit but the account's.
        if (!isTenantScoped(route)) methodOptions[`${route.path}/${method}`] = throttled(props.managementThrottle);
        // Usage plans' per-route overrides skip preflights: they get a cap of their own, not the stage default.
        else if (method === 'OPTIONS') methodOptions[`${route.path}/${method}`] = throttled(props.preflightThrottle);
      }
    }

    this.restApi = new apigw.RestApi(this, 'RestApi', {
      description: 'Keyway multi-tenant OpenID Connect provider',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // OIDC clients cannot send x-api-key: the tenant authorizer supplies the key that picks the usage plan.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint ?? false,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        ...throttled(props.stageThrottle),
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            resource: '$context.resourcePath',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            tenant: '$context.authorizer.tenantId',
            plan: '$context.authorizer.plan',
            error: '$context.error.responseType',
            waf: '$context.wafResponseCode',
            xray: '$context.xrayTraceId',
          }),
        ),
        methodOptions,
      },
    });
    this.stage = this.restApi.deploymentStage;
    new ProblemResponses(this, 'ProblemResponses', { api: this.restApi });

    const functions = new Map<string, KeywayFunction>();
    const methods = new Map<string, apigw.Method[]>();
    const nestedStacks = new Map<string, NestedStack>();
    for (const route of props.routes) {
      let scope: Construct = this;
      if (route.stack) {
        const name = route.stack;
        if (!nestedStacks.has(name))
          nestedStacks.set(name, new NestedStack(this, pascalCase(name), { description: `Keyway ${name} routes` }));
        scope = nestedStacks.get(name)!;
      }
      const fn = this.createRouteFunction(scope, route, props);
      functions.set(route.id, fn);
      const resource = this.restApi.root.resourceForPath(route.path);
      const integration = new apigw.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false });
      const options: apigw.MethodOptions = isTenantScoped(route)
        ? {
            authorizer: props.tenantAuthorizer,
            authorizationType: apigw.AuthorizationType.CUSTOM,
            apiKeyRequired: true,
          }
        : { authorizationType: apigw.AuthorizationType.NONE };
      methods.set(
        route.id,
        route.methods.map((method) => resource.addMethod(method, integration, options)),
      );
      if (!isTenantScoped(route)) {
        for (const method of methods.get(route.id) ?? []) {
          Validations.of(method).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: isManagementRoute(route)
              ? 'Management route: the shared middleware requires the platform operator key (Bearer, compared by SHA-256 in constant time) or a tenant API key (looked up by hash with a consistent read), per the route table `auth`; API Gateway has no authorizer type for these keys, and a stage method throttle limits the route.'
              : 'Public by design (the admin API OpenAPI document, no data); a stage method throttle limits it.',
          });
        }
      }
    }
    this.functions = functions;
    this.methods = methods;
    this.nestedStacks = nestedStacks;

    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Each handler validates its own input (zod schemas, RFC 6749 parameter rules) and answers with OAuth/problem+json errors; API Gateway request validation would answer first with a different error format.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Keyway is itself the identity provider. OAuth/OIDC endpoints are public by RFC 6749/OpenID Connect Core and authenticate clients themselves (client authentication, PKCE, passkeys); tenant routes use the Lambda REQUEST authorizer for usage plans.',
      },
    );
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level CloudWatch role (needed for execution logging, AwsSolutions-APIG6) uses the AWS managed policy built for exactly that service role.",
    });
  }

  /** One function per route, granted exactly its `access`, here where it is created. */
  private createRouteFunction(scope: Construct, route: Route, props: ApiProps): KeywayFunction {
    const { access } = route;
    const environment: Record<string, string> = {
      // Every route gets the signer settings so a route that should not sign fails closed (AccessDenied on
      // kms:Sign or kms:Decrypt) instead of ever falling back to a local key.
      ...props.signingKeys.environment,
    };
    if (access.dynamodb.length > 0) environment.TABLE_NAME = props.table.tableName;
    if (props.baseUrl) environment.BASE_URL = props.baseUrl;
    if (isManagementRoute(route)) environment.KEYWAY_ADMIN_KEY_SHA256 = props.adminKeySha256;
    if (access.webhookSecrets) Object.assign(environment, props.webhooks.secretsEnvironment);
    if (access.webhookQueue) Object.assign(environment, props.webhooks.queueEnvironment);
    if (access.email && props.email) {
      environment.EMAIL_FROM = props.email.from;
      if (props.email.configurationSet) environment.EMAIL_CONFIGURATION_SET = props.email.configurationSet;
    }
    // The shared middleware counts every tenant-scoped request (but preflights) against its tenant's plan.
    if (isTenantScoped(route))
      environment.RATE_LIMIT_PLANS = JSON.stringify(rateLimitPlansFor(props.rateLimitPlans, route.id));

    const reserved = props.reservedConcurrency?.[route.id];
    const fn = new KeywayFunction(scope, `Route-${route.id}`, {
      entry: route.entry,
      description: `Keyway ${route.methods.join('/')} ${route.path}`,
      // Signing routes do WebAuthn/JWT work and a KMS round trip per request: more memory is more CPU.
      memorySize: access.sign ? 1024 : 512,
      timeout: Duration.seconds(10),
      environment,
      ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
    });

    grantTableActions(fn.role, props.table, access.dynamodb);
    if (isTenantScoped(route)) grantRateCounters(fn.role, props.table);
    if (access.sign) props.signingKeys.grantSign(fn.role);
    // The KMS signer fetches the current and published public keys at cold start, signing or not
    // (the envelope signer has them in its environment and needs no grant).
    if (access.sign || access.publicKeys) props.signingKeys.grantPublicKeys(fn.role);
    // Creating a subscription or rotating its secret shows the derived secret once; replays enqueue an attempt.
    if (access.webhookSecrets) props.webhooks.grantSecrets(fn.role);
    if (access.webhookQueue) props.webhooks.grantEnqueue(fn.role);
    if (access.email && props.email) grantSendEmail(fn.role, props.email);

    return fn;
  }
}

/**
 * Exactly the route table's DynamoDB actions (lambdas/routes.ts, `access.dynamodb`): each on the table's ARN, except
 * `Query:gsi1`, which is dynamodb:Query on the index's ARN. No wildcard action or resource: a function that needs
 * another action fails with AccessDenied in AWS, and test/http/route-actions.test.ts fails first.
 */
function grantTableActions(role: iam.IRole, table: dynamodb.ITable, actions: readonly DynamoDbAction[]): void {
  const onTable = actions.filter((a) => a !== 'Query:gsi1').map((a) => `dynamodb:${a}`);
  if (onTable.length > 0)
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: onTable, resources: [table.tableArn] }));
  if (actions.includes('Query:gsi1'))
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${TABLE_SCHEMA.gsi1.name}`],
      }),
    );
}

/**
 * The application rate limiter's counter writes (`ADD` on `T#{tenantId}#RL#…` items), on top of whatever the route
 * table grants: a separate statement, so a route's own unconditional UpdateItem (token, say) is left as it is.
 */
function grantRateCounters(role: iam.IRole, table: dynamodb.ITable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [RATE_COUNTER_LEADING_KEYS] } },
    }),
  );
}

/**
 * ses:SendEmail (SESv2 SendEmail with simple content; no SendRawEmail) from the sender's identity only, and only with
 * its own From address. SES authorizes a send against every resource it uses, so with a configuration set the
 * statement names that set too; IAM's `ses:FromAddress` is the bare address, without the display name.
 */
function grantSendEmail(role: iam.IRole, sender: EmailSenderConfig): void {
  const fromAddress = senderAddress(sender.from);
  if (!fromAddress) throw new Error(`Api: email sender "${sender.from}" has no address`);
  const stack = Stack.of(role);
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ses', resource, resourceName });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [
        arn('identity', sender.identity),
        ...(sender.configurationSet ? [arn('configuration-set', sender.configurationSet)] : []),
      ],
      conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
    }),
  );
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}
