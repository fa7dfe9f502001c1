/**
 * The one route table. The local server (local/server.ts) and the CDK Api construct (lib/api.ts) are both
 * built from it, so local mode and the cloud cannot drift. Each entry is one Lambda function.
 */
export type HttpMethod = 'GET' | 'POST' | 'OPTIONS';

export interface Route {
  /** Stable id: names the Lambda function and its log group. */
  readonly id: string;
  readonly methods: readonly HttpMethod[];
  /** API Gateway resource path; `{tenantId}` is the first segment of every issuer-scoped route. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** What the function may do in AWS, granted where the function is created. */
  readonly access: {
    readonly table: 'none' | 'read' | 'write';
    /** kms:Sign on the current signing key. */
    readonly sign: boolean;
    /** kms:GetPublicKey at cold start, to publish or verify with the public keys. */
    readonly publicKeys: boolean;
  };
  /** The OpenID discovery field that advertises this endpoint, when it is one. */
  readonly discoveryField?: string;
}

export const routes: readonly Route[] = [
  {
    id: 'admin-tenants',
    methods: ['POST'],
    path: '/admin/tenants',
    entry: 'lambdas/admin-tenants/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'discovery',
    methods: ['GET'],
    path: '/{tenantId}/.well-known/openid-configuration',
    entry: 'lambdas/discovery/handler.ts',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'jwks',
    methods: ['GET'],
    path: '/{tenantId}/.well-known/jwks.json',
    entry: 'lambdas/jwks/handler.ts',
    access: { table: 'read', sign: false, publicKeys: true },
    discoveryField: 'jwks_uri',
  },
  {
    id: 'admin-clients',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/clients',
    entry: 'lambdas/admin-clients/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'authorize',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/authorize',
    entry: 'lambdas/authorize/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
    discoveryField: 'authorization_endpoint',
  },
  {
    id: 'token',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/token',
    entry: 'lambdas/token/handler.ts',
    access: { table: 'write', sign: true, publicKeys: true },
    discoveryField: 'token_endpoint',
  },
  {
    id: 'userinfo',
    methods: ['GET', 'POST', 'OPTIONS'],
    path: '/{tenantId}/userinfo',
    entry: 'lambdas/userinfo/handler.ts',
    access: { table: 'read', sign: false, publicKeys: true },
    discoveryField: 'userinfo_endpoint',
  },
  {
    id: 'revoke',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/revoke',
    entry: 'lambdas/revoke/handler.ts',
    access: { table: 'write', sign: false, publicKeys: true },
    discoveryField: 'revocation_endpoint',
  },
  {
    id: 'introspect',
    methods: ['POST'],
    path: '/{tenantId}/introspect',
    entry: 'lambdas/introspect/handler.ts',
    access: { table: 'read', sign: false, publicKeys: true },
    discoveryField: 'introspection_endpoint',
  },
  {
    id: 'end-session',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/end-session',
    entry: 'lambdas/end-session/handler.ts',
    access: { table: 'write', sign: false, publicKeys: true },
    discoveryField: 'end_session_endpoint',
  },
  // Hosted passkey pages
  {
    id: 'login-page',
    methods: ['GET'],
    path: '/{tenantId}/login',
    entry: 'lambdas/login-page/handler.ts',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'signup-page',
    methods: ['GET'],
    path: '/{tenantId}/signup',
    entry: 'lambdas/signup-page/handler.ts',
    access: { table: 'read', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-authentication-options',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/authentication/options',
    entry: 'lambdas/passkey-authentication-options/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-authentication-verify',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/authentication/verify',
    entry: 'lambdas/passkey-authentication-verify/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-registration-options',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/registration/options',
    entry: 'lambdas/passkey-registration-options/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
  },
  {
    id: 'passkey-registration-verify',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/registration/verify',
    entry: 'lambdas/passkey-registration-verify/handler.ts',
    access: { table: 'write', sign: false, publicKeys: false },
  },
];

/** `{base}/{tenantId}` + the route path after the tenant segment. */
export function endpointUrl(issuer: string, route: Route): string {
  return issuer + route.path.replace(/^\/\{tenantId\}/, '');
}
