import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { tenantIdProblem } from '../core/tenant-id.ts';

/** What the authorizer needs to know about a tenant: its plan and the API Gateway key provisioned for it. */
export interface TenantKey {
  readonly plan: string;
  readonly apiKeyValue: string | undefined;
}

export type FindTenantKey = (tenantId: string) => Promise<TenantKey | undefined>;

/** Thrown while a new tenant's API key is still being provisioned; API Gateway answers 503 and does not cache it. */
export class TenantKeyNotProvisioned extends Error {
  constructor(tenantId: string) {
    super(`API key for tenant ${tenantId} is not provisioned yet`);
    this.name = 'TenantKeyNotProvisioned';
  }
}

/**
 * REQUEST authorizer for every issuer-scoped route. It does not authenticate anyone (OIDC endpoints are public
 * by RFC 6749 and do their own client authentication); it tells API Gateway which usage plan a request counts
 * against by returning the tenant's API key as `usageIdentifierKey`, so standard OIDC clients never send a key.
 *
 * API Gateway caches the answer per request path (the identity source is `$context.path`), so the policy covers
 * every method and resource under this tenant's segment and nothing outside it.
 */
export async function authorizeTenant(
  event: APIGatewayRequestAuthorizerEvent,
  findTenantKey: FindTenantKey,
): Promise<APIGatewayAuthorizerResult> {
  const tenantId = event.pathParameters?.tenantId ?? '';
  if (tenantIdProblem(tenantId)) return deny(event.methodArn);

  const tenant = await findTenantKey(tenantId);
  if (!tenant) return deny(event.methodArn);
  if (!tenant.apiKeyValue) throw new TenantKeyNotProvisioned(tenantId);

  return {
    principalId: `tenant:${tenantId}`,
    policyDocument: policy('Allow', tenantResources(event.methodArn, tenantId)),
    usageIdentifierKey: tenant.apiKeyValue,
    context: { tenantId, plan: tenant.plan },
  };
}

/** An unknown tenant is denied for every path; API Gateway's ACCESS_DENIED response is mapped to a 404. */
function deny(methodArn: string): APIGatewayAuthorizerResult {
  return { principalId: 'unknown-tenant', policyDocument: policy('Deny', [`${stageArn(methodArn)}/*`]) };
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{verb}/{path...}` → the ARN up to the stage. */
function stageArn(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  if (!api?.startsWith('arn:') || !stage) throw new Error(`Unexpected methodArn: ${methodArn}`);
  return `${api}/${stage}`;
}

function tenantResources(methodArn: string, tenantId: string): string[] {
  const stage = stageArn(methodArn);
  return [`${stage}/*/${tenantId}`, `${stage}/*/${tenantId}/*`];
}

function policy(effect: 'Allow' | 'Deny', resources: string[]): APIGatewayAuthorizerResult['policyDocument'] {
  return { Version: '2012-10-17', Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: resources }] };
}
