import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { tenantIdProblem } from '../core/tenant-id.ts';

/** What the authorizer needs to know about a tenant: its plan and the API Gateway key provisioned for it. */
export interface TenantKey {
  readonly plan: string;
  readonly apiKeyValue: string | undefined;
}

export type FindTenantKey = (tenantId: string) => Promise<TenantKey | undefined>;

/**
 * Tenant ids that were not found, remembered by a warm authorizer for a short while. API Gateway caches answers per
 * request path, so a flood of made-up paths (a new tenant id each, or a real-looking id on many paths) misses its
 * cache every time; this keeps each made-up id to one table read per container per `ttlMs` instead of one per
 * request. Bounded (oldest forgotten first), and short, so a tenant created a moment ago is found soon. A made-up id
 * is never charged to a real tenant's plan: it gets no usage key at all.
 */
export class UnknownTenants {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number } = { ttlMs: 60_000, maxEntries: 10_000 },
    private readonly now: () => number = Date.now,
  ) {}

  has(tenantId: string): boolean {
    const until = this.seen.get(tenantId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.seen.delete(tenantId);
    return false;
  }

  add(tenantId: string): void {
    this.seen.delete(tenantId);
    this.seen.set(tenantId, this.now() + this.options.ttlMs);
    if (this.seen.size > this.options.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }
}

/** A FindTenantKey that answers "unknown" from `unknown` without reading, and remembers misses there. */
export function rememberingMisses(find: FindTenantKey, unknown: UnknownTenants): FindTenantKey {
  return async (tenantId) => {
    if (unknown.has(tenantId)) return undefined;
    const found = await find(tenantId);
    if (!found) unknown.add(tenantId);
    return found;
  };
}

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
