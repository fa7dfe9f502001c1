/**
 * The one route table. The local server (local/server.ts) and the CDK Api construct (lib/api.ts) are both
 * built from it, so local mode and the cloud cannot drift. Each entry is one Lambda function.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS';

/**
 * Every `tenant-admin` route has table `write` access, also when it only reads: authenticating a tenant API key
 * records its `last_used_at` (at most once an hour).
 *
 * Who may call a route, enforced in one place (core/admin/authenticate.ts, run by the shared middleware):
 * - `public`: anyone; the endpoint authenticates clients or users itself (OAuth, OIDC, hosted pages).
 * - `operator`: only the platform operator key (KEYWAY_ADMIN_KEY, Bearer).
 * - `tenant-admin`: the operator, or an API key of the tenant named by the path's `{tenantId}` (read scope for
 *   GET, write scope for anything else). A key of another tenant gets 404: it never learns the tenant exists.
 */
export type RouteAuth = 'public' | 'operator' | 'tenant-admin';

export interface Route {
  /** Stable id: names the Lambda function and its log group. */
  readonly id: string;
  readonly methods: readonly HttpMethod[];
  /** API Gateway resource path; `{tenantId}` is the first segment of every issuer-scoped route. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /**
   * The nested stack (one per concern) that holds the route's function, role and logs, because CloudFormation allows
   * 500 resources per stack; absent: the regional stack itself. Methods stay on the one REST API either way.
   */
  readonly stack?: 'admin-api';
  /** Who may call it: one value for every method, or one per method. */
  readonly auth: RouteAuth | Readonly<Partial<Record<HttpMethod, RouteAuth>>>;
  /** What the function may do in AWS, granted where the function is created. */
  readonly access: {
    readonly table: 'none' | 'read' | 'write';
    /** kms:Sign on the current signing key. */
    readonly sign: boolean;
    /** kms:GetPublicKey at cold start, to publish or verify with the public keys. */
    readonly publicKeys: boolean;
    /** kms:GenerateMac on the region's webhook secret key (deriving a subscription's signing secret). */
    readonly webhookSecrets?: boolean;
    /** sqs:SendMessage to the webhook dispatcher's queue (replays). */
    readonly webhookQueue?: boolean;
  };
  /** The OpenID discovery field that advertises this endpoint, when it is one. */
  readonly discoveryField?: string;
}

export const routes: readonly Route[] = [
  {
    id: 'discovery',
    methods: ['GET'],
    path: '/{tenantId}/.well-known/openid-configuration',
    entry: 'lambdas/discovery/handler.ts',
    auth: 'public',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'jwks',
    methods: ['GET'],
    path: '/{tenantId}/.well-known/jwks.json',
    entry: 'lambdas/jwks/handler.ts',
    auth: 'public',
    access: { table: 'read', sign: false, publicKeys: true },
    discoveryField: 'jwks_uri',
  },
  {
    id: 'authorize',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/authorize',
    entry: 'lambdas/authorize/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: false },
    discoveryField: 'authorization_endpoint',
  },
  {
    id: 'token',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/token',
    entry: 'lambdas/token/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: true, publicKeys: true },
    discoveryField: 'token_endpoint',
  },
  {
    id: 'userinfo',
    methods: ['GET', 'POST', 'OPTIONS'],
    path: '/{tenantId}/userinfo',
    entry: 'lambdas/userinfo/handler.ts',
    auth: 'public',
    access: { table: 'read', sign: false, publicKeys: true },
    discoveryField: 'userinfo_endpoint',
  },
  {
    id: 'revoke',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/revoke',
    entry: 'lambdas/revoke/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: true },
    discoveryField: 'revocation_endpoint',
  },
  {
    id: 'introspect',
    methods: ['POST'],
    path: '/{tenantId}/introspect',
    entry: 'lambdas/introspect/handler.ts',
    auth: 'public',
    access: { table: 'read', sign: false, publicKeys: true },
    discoveryField: 'introspection_endpoint',
  },
  {
    id: 'end-session',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/end-session',
    entry: 'lambdas/end-session/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: true },
    discoveryField: 'end_session_endpoint',
  },
  // Hosted passkey pages
  {
    id: 'login-page',
    methods: ['GET'],
    path: '/{tenantId}/login',
    entry: 'lambdas/login-page/handler.ts',
    auth: 'public',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'signup-page',
    methods: ['GET'],
    path: '/{tenantId}/signup',
    entry: 'lambdas/signup-page/handler.ts',
    auth: 'public',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-authentication-options',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/authentication/options',
    entry: 'lambdas/passkey-authentication-options/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-authentication-verify',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/authentication/verify',
    entry: 'lambdas/passkey-authentication-verify/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-registration-options',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/registration/options',
    entry: 'lambdas/passkey-registration-options/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-registration-verify',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/registration/verify',
    entry: 'lambdas/passkey-registration-verify/handler.ts',
    auth: 'public',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  // Admin API (docs/ADMIN-API.md): JSON only, problem details on error, idempotency keys on POST/PATCH.
  {
    id: 'admin-tenants',
    methods: ['GET', 'POST'],
    path: '/admin/tenants',
    entry: 'lambdas/admin-tenants/handler.ts',
    stack: 'admin-api',
    auth: 'operator',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-tenant',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}',
    entry: 'lambdas/admin-tenant/handler.ts',
    stack: 'admin-api',
    auth: { GET: 'tenant-admin', PATCH: 'tenant-admin', DELETE: 'operator' },
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-api-keys',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/api-keys',
    entry: 'lambdas/admin-api-keys/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-api-key',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/api-keys/{keyId}',
    entry: 'lambdas/admin-api-key/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-clients',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/clients',
    entry: 'lambdas/admin-clients/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-client',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}/clients/{clientId}',
    entry: 'lambdas/admin-client/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-client-secret',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/clients/{clientId}/secret',
    entry: 'lambdas/admin-client-secret/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-users',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/users',
    entry: 'lambdas/admin-users/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-user',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}/users/{userId}',
    entry: 'lambdas/admin-user/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-user-passkeys',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/users/{userId}/passkeys',
    entry: 'lambdas/admin-user-passkeys/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-user-passkey',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/users/{userId}/passkeys/{credentialId}',
    entry: 'lambdas/admin-user-passkey/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-user-sessions',
    methods: ['GET', 'DELETE'],
    path: '/admin/tenants/{tenantId}/users/{userId}/sessions',
    entry: 'lambdas/admin-user-sessions/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-roles',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/roles',
    entry: 'lambdas/admin-roles/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-role',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/roles/{name}',
    entry: 'lambdas/admin-role/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  // Webhooks and the event feed (docs/WEBHOOKS.md).
  {
    id: 'admin-webhooks',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/webhooks',
    entry: 'lambdas/admin-webhooks/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false, webhookSecrets: true },
  },
  {
    id: 'admin-webhook',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}',
    entry: 'lambdas/admin-webhook/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-webhook-secret',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret',
    entry: 'lambdas/admin-webhook-secret/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false, webhookSecrets: true },
  },
  {
    id: 'admin-webhook-test',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/test',
    entry: 'lambdas/admin-webhook-test/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-webhook-deliveries',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries',
    entry: 'lambdas/admin-webhook-deliveries/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-webhook-replay',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/replay',
    entry: 'lambdas/admin-webhook-replay/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false, webhookQueue: true },
  },
  {
    id: 'admin-webhook-bulk-replay',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries/replay',
    entry: 'lambdas/admin-webhook-bulk-replay/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false, webhookQueue: true },
  },
  {
    id: 'admin-events',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/events',
    entry: 'lambdas/admin-events/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-audit-log',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/audit-log',
    entry: 'lambdas/admin-audit-log/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'admin-platform-audit-log',
    methods: ['GET'],
    path: '/admin/audit-log',
    entry: 'lambdas/admin-audit-log/handler.ts',
    stack: 'admin-api',
    auth: 'operator',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'admin-openapi',
    methods: ['GET'],
    path: '/admin/openapi.json',
    entry: 'lambdas/admin-openapi/handler.ts',
    stack: 'admin-api',
    auth: 'public',
    access: { table: 'none', sign: false, publicKeys: false },
  },
];

/** Who may call `method` on `route`. */
export function authOf(route: Route, method: string): RouteAuth | undefined {
  if (typeof route.auth === 'string') return route.auth;
  return route.auth[method as HttpMethod];
}

/** `{base}/{tenantId}` + the route path after the tenant segment. */
export function endpointUrl(issuer: string, route: Route): string {
  return issuer + route.path.replace(/^\/\{tenantId\}/, '');
}
