import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { KeywayFunction } from './keyway-function.ts';

export interface TenantAuthorizerProps {
  readonly table: dynamodb.ITable;
  /**
   * How long API Gateway reuses an answer. A tenant's key value never changes (a plan change moves the same key
   * between usage plans), so this only bounds how long an unknown tenant id stays denied after it is created.
   * @default 5 minutes
   */
  readonly cacheTtl?: Duration;
  /**
   * Reserved concurrent executions: every issuer-scoped request whose answer is not cached needs the authorizer, so a
   * reservation keeps other functions from starving it (and caps it).
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The Lambda REQUEST authorizer that maps a request to its tenant's API key (usage plan identity).
 *
 * Identity source: REST API REQUEST authorizers accept headers, query strings, stage variables and `$context`
 * variables, but not path parameters, so the tenant segment itself cannot be the cache key. `context.path` (the
 * request path, which starts with the tenant segment) is used instead: the cache can never serve one tenant's key
 * for another, every request carries it (an absent identity source would be a 401 before the authorizer runs,
 * and OIDC clients and CORS preflights send no credentials), and a tenant costs one authorizer call per endpoint
 * path per TTL rather than one per request.
 */
export class TenantAuthorizer extends Construct {
  readonly authorizer: apigw.RequestAuthorizer;
  readonly handler: KeywayFunction;

  constructor(scope: Construct, id: string, props: TenantAuthorizerProps) {
    super(scope, id);
    this.handler = new KeywayFunction(this, 'Handler', {
      entry: 'lambdas/authorizer/handler.ts',
      description: 'Keyway tenant authorizer: returns the tenant API key as usageIdentifierKey',
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: { TABLE_NAME: props.table.tableName },
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
    });
    // It reads one item per cache miss: GetItem only, no Query/Scan, no writes.
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }),
    );

    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: this.handler.function,
      identitySources: [apigw.IdentitySource.context('path')],
      resultsCacheTtl: props.cacheTtl ?? Duration.minutes(5),
    });
  }
}
