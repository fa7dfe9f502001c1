/**
 * The one route table. The local server (local/server.ts) and the CDK Api construct (lib/api.ts) are both
 * built from it, so local mode and the cloud cannot drift. Each entry is one Lambda function.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/**
 * Who may call a route, enforced in one place (core/admin/authenticate.ts, run by the shared middleware):
 * - `public`: anyone; the endpoint authenticates clients or users itself (OAuth, OIDC, hosted pages).
 * - `operator`: only the platform operator key (KEYWAY_ADMIN_KEY, Bearer).
 * - `tenant-admin`: the operator, or an API key of the tenant named by the path's `{tenantId}` (read scope for
 *   GET, write scope for anything else). A key of another tenant gets 404: it never learns the tenant exists.
 */
export type RouteAuth = 'public' | 'operator' | 'tenant-admin';

/**
 * A DynamoDB action a route's function may perform, named as in IAM (`dynamodb:{action}`), on the table's ARN;
 * `Query:gsi1` is `dynamodb:Query` on the index's ARN (`{table ARN}/index/gsi1`) instead. TransactWriteItems is no
 * action of its own: each item in it is authorized as one (Put → PutItem, Update → UpdateItem, Delete → DeleteItem,
 * ConditionCheck → ConditionCheckItem).
 */
export type DynamoDbAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Query:gsi1'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'Scan'
  | 'BatchWriteItem';

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
  readonly stack?: 'admin-api' | 'hosted-pages' | 'integrations';
  /** Who may call it: one value for every method, or one per method. */
  readonly auth: RouteAuth | Readonly<Partial<Record<HttpMethod, RouteAuth>>>;
  /** What the function may do in AWS, granted where the function is created. */
  readonly access: {
    /**
     * Exactly the DynamoDB actions the function sends (lib/api.ts grants these and nothing else), error paths
     * included; test/http/route-actions.test.ts records what every route really sends and fails on any action
     * missing here or listed but never sent. Shared reasons, so the lists read alike:
     * - every `tenant-admin` route: GetItem + UpdateItem (authenticating a tenant API key reads it and records its
     *   `last_used_at`, at most once an hour), also when the route only reads;
     * - every admin change: PutItem (its audit entry, its events), and ConditionCheckItem when it is under a tenant
     *   (the tenant must still exist when it commits);
     * - every admin POST and PATCH: PutItem, UpdateItem and DeleteItem (an `Idempotency-Key` is claimed, completed
     *   with the change and released when the request fails).
     */
    readonly dynamodb: readonly DynamoDbAction[];
    /** kms:Sign on the current signing key. */
    readonly sign: boolean;
    /** kms:GetPublicKey at cold start, to publish or verify with the public keys. */
    readonly publicKeys: boolean;
    /** kms:GenerateMac on the region's webhook secret key (deriving a subscription's signing secret). */
    readonly webhookSecrets?: boolean;
    /** sqs:SendMessage to the webhook dispatcher's queue (replays). */
    readonly webhookQueue?: boolean;
    /** ses:SendEmail from the region's sender identity (sign-up and recovery codes, invitations). */
    readonly email?: boolean;
  };
  /** The OpenID discovery field that advertises this endpoint, when it is one. */
  readonly discoveryField?: string;
}

/**
 * Issuer-scoped routes sit under the tenant segment (or, for metadata, right after a well-known name): API Gateway sends them through the tenant authorizer and the
 * tenant's usage plan, and the shared middleware through the application rate limiter.
 */
export function isTenantScoped(route: Route): boolean {
  return TENANT_SCOPED_PATH.test(route.path);
}

/** The issuer's segment first, or a well-known name then the issuer's segment (RFC 8414 §3.1 path insertion). */
const TENANT_SCOPED_PATH = /^(\/\.well-known\/[a-z-]+)?\/\{tenantId\}(\/|$)/;

/**
 * The DynamoDB actions every admin route of a tenant shares (see `access.dynamodb` for why): a tenant key is read and
 * touched (GetItem, UpdateItem); a change writes its audit entry and events (PutItem) while the tenant exists
 * (ConditionCheckItem); an Idempotency-Key is claimed, completed and released (PutItem, UpdateItem, DeleteItem).
 */
const ADMIN_READ = ['GetItem', 'UpdateItem'] as const satisfies readonly DynamoDbAction[];
const ADMIN_CHANGE = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'ConditionCheckItem',
] as const satisfies readonly DynamoDbAction[];

export const routes: readonly Route[] = [
  {
    id: 'discovery',
    methods: ['GET'],
    path: '/{tenantId}/.well-known/openid-configuration',
    entry: 'lambdas/discovery/handler.ts',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: false },
  },
  {
    // RFC 8414 §3.1: a multi-tenant issuer's path goes after the well-known name (MCP clients look here first).
    id: 'authorization-server-metadata',
    methods: ['GET'],
    path: '/.well-known/oauth-authorization-server/{tenantId}',
    entry: 'lambdas/discovery/handler.ts',
    stack: 'integrations',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: false },
  },
  {
    // The same path-inserted form for OpenID discovery, which MCP clients try next (OIDC Discovery §4 appends).
    id: 'openid-configuration-path-inserted',
    methods: ['GET'],
    path: '/.well-known/openid-configuration/{tenantId}',
    entry: 'lambdas/discovery/handler.ts',
    stack: 'integrations',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: false },
  },
  {
    id: 'jwks',
    methods: ['GET'],
    path: '/{tenantId}/.well-known/jwks.json',
    entry: 'lambdas/jwks/handler.ts',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: true },
    discoveryField: 'jwks_uri',
  },
  {
    id: 'authorize',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/authorize',
    entry: 'lambdas/authorize/handler.ts',
    auth: 'public',
    // tenant, client, session, user, the user's consent; puts the code (SSO) or the interaction; a select_account
    // Continue ends its interaction (DeleteItem), or hands it to the consent page (UpdateItem); a pushed request is
    // taken (DeleteItem); a step-up init token is verified with the public keys, claimed (UpdateItem) and, for ALLOW,
    // BLOCK or Cancel, ended with its audit entry and event (UpdateItem + PutItem)
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], sign: false, publicKeys: true },
    discoveryField: 'authorization_endpoint',
  },
  {
    // Step-up actions: the tenant's backend (a tenant API key) starts one for a known user; authorize takes its token.
    id: 'init-auth',
    methods: ['POST'],
    path: '/{tenantId}/init-auth',
    entry: 'lambdas/init-auth/handler.ts',
    // Signs (KMS), so it stays in the regional stack: the signing key's policy names the roles that may sign, and a
    // role in a nested stack would make the key and that stack depend on each other.
    auth: 'tenant-admin',
    // the key (read, last_used_at), tenant, user or its external-id claim, the appId client; puts the step-up record
    access: { dynamodb: ['GetItem', 'UpdateItem', 'PutItem'], sign: true, publicKeys: false },
  },
  {
    id: 'par',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/par',
    entry: 'lambdas/par/handler.ts',
    stack: 'integrations',
    auth: 'public',
    // tenant, client, the resource asked for; puts the pushed request (RFC 9126)
    access: { dynamodb: ['GetItem', 'PutItem'], sign: false, publicKeys: false },
    discoveryField: 'pushed_authorization_request_endpoint',
  },
  {
    id: 'token',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/token',
    entry: 'lambdas/token/handler.ts',
    auth: 'public',
    // one BatchGetItem (tenant, client, refresh token + family), the user, the CORS origin; redeeming the code is an
    // UpdateItem, creating the family Puts; a rotation is Update + Put + ConditionCheck (the family is not revoked);
    // a reused refresh token or a replayed code revokes the family (Update + event Put)
    access: {
      dynamodb: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
      sign: true,
      publicKeys: true,
    },
    discoveryField: 'token_endpoint',
  },
  {
    id: 'userinfo',
    methods: ['GET', 'POST', 'OPTIONS'],
    path: '/{tenantId}/userinfo',
    entry: 'lambdas/userinfo/handler.ts',
    auth: 'public',
    // tenant, CORS origin; family + client + user + revoked-token marker in one BatchGetItem
    access: { dynamodb: ['GetItem', 'BatchGetItem'], sign: false, publicKeys: true },
    discoveryField: 'userinfo_endpoint',
  },
  {
    id: 'revoke',
    methods: ['POST', 'OPTIONS'],
    path: '/{tenantId}/revoke',
    entry: 'lambdas/revoke/handler.ts',
    auth: 'public',
    // revoking a family is Update + event Put, an access token a Put of its marker + event Put
    access: { dynamodb: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], sign: false, publicKeys: true },
    discoveryField: 'revocation_endpoint',
  },
  {
    id: 'introspect',
    methods: ['POST'],
    path: '/{tenantId}/introspect',
    entry: 'lambdas/introspect/handler.ts',
    auth: 'public',
    access: { dynamodb: ['GetItem', 'BatchGetItem'], sign: false, publicKeys: true },
    discoveryField: 'introspection_endpoint',
  },
  {
    id: 'end-session',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/end-session',
    entry: 'lambdas/end-session/handler.ts',
    auth: 'public',
    // ending the session is a transaction: Delete + event Put
    access: { dynamodb: ['GetItem', 'PutItem', 'DeleteItem'], sign: false, publicKeys: true },
    discoveryField: 'end_session_endpoint',
  },
  // Dynamic client registration (RFC 7591) and the client configuration endpoint (RFC 7592), for integrations.
  {
    id: 'register',
    methods: ['POST'],
    path: '/{tenantId}/register',
    entry: 'lambdas/register/handler.ts',
    stack: 'integrations',
    auth: 'public',
    // tenant, the initial access token; one transaction: the token's use (a conditional ADD), the client, its CORS
    // origins' claims (UpdateItem), its audit entry and event (Put), the tenant (ConditionCheck)
    access: {
      dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
      sign: false,
      publicKeys: false,
    },
    discoveryField: 'registration_endpoint',
  },
  {
    id: 'client-registration',
    methods: ['GET', 'PUT', 'DELETE'],
    path: '/{tenantId}/register/{clientId}',
    entry: 'lambdas/client-registration/handler.ts',
    stack: 'integrations',
    auth: 'public',
    // tenant, client; PUT replaces the client (Put) and moves its origin claims (UpdateItem), DELETE deletes it;
    // either with its audit entry and event (Put) while the tenant exists (ConditionCheck)
    access: {
      dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
      sign: false,
      publicKeys: false,
    },
  },
  // Device authorization (RFC 8628): the device's request, and the page where the user answers it.
  {
    id: 'device-authorization',
    methods: ['POST'],
    path: '/{tenantId}/device_authorization',
    entry: 'lambdas/device-authorization/handler.ts',
    auth: 'public',
    // tenant, client, a registered resource; the request and its user-code claim are one transaction (two Puts)
    access: { dynamodb: ['GetItem', 'PutItem'], sign: false, publicKeys: false },
    discoveryField: 'device_authorization_endpoint',
  },
  {
    id: 'device-page',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/device',
    entry: 'lambdas/device-page/handler.ts',
    auth: 'public',
    // tenant, user-code claim, request, client, session, user; an interaction to sign in; the answer is an UpdateItem
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem'], sign: false, publicKeys: false },
  },
  // Hosted passkey pages
  {
    id: 'login-page',
    methods: ['GET'],
    path: '/{tenantId}/login',
    entry: 'lambdas/login-page/handler.ts',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: false },
  },
  {
    id: 'signup-page',
    methods: ['GET'],
    path: '/{tenantId}/signup',
    entry: 'lambdas/signup-page/handler.ts',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: false },
  },
  {
    id: 'recovery-page',
    methods: ['GET'],
    path: '/{tenantId}/recover',
    entry: 'lambdas/recovery-page/handler.ts',
    auth: 'public',
    access: { dynamodb: ['GetItem'], sign: false, publicKeys: false },
  },
  {
    id: 'account-page',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/account',
    entry: 'lambdas/account-page/handler.ts',
    stack: 'hosted-pages',
    auth: 'public',
    // session, user, passkeys/sessions/families (GSI1), consents (Query on the user's partition), the apps' clients;
    // an interaction to sign in or re-authenticate; a rename is an UpdateItem, a profile change or a removal a
    // transaction with its event and audit entry (Put); removing an app deletes its consent; sign out everywhere and
    // removing an app revoke families (Update) and delete sessions
    access: {
      dynamodb: ['GetItem', 'Query', 'Query:gsi1', 'PutItem', 'UpdateItem', 'DeleteItem'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'consent-page',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/consent',
    entry: 'lambdas/consent-page/handler.ts',
    stack: 'hosted-pages',
    auth: 'public',
    // tenant, interaction, client, user; Allow is one transaction (the consent's UpdateItem, the interaction's
    // DeleteItem) and the code's PutItem, Deny the interaction's DeleteItem
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], sign: false, publicKeys: false },
  },
  {
    id: 'invitation-page',
    methods: ['GET', 'POST'],
    path: '/{tenantId}/invitation',
    entry: 'lambdas/invitation-page/handler.ts',
    stack: 'hosted-pages',
    auth: 'public',
    // tenant, the invitation (by its user) and its user; accepting starts an add-passkey interaction (PutItem) and
    // spends the link (a conditional UpdateItem)
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem'], sign: false, publicKeys: false },
  },
  {
    id: 'email-code',
    methods: ['POST'],
    path: '/{tenantId}/email/code',
    entry: 'lambdas/email-code/handler.ts',
    auth: 'public',
    // tenant, interaction, the address's claim; the flow is a PutItem. The per-address count is an UpdateItem on a
    // rate-limit counter key, which every tenant-scoped function may write (lib/api.ts grantRateCounters).
    access: { dynamodb: ['GetItem', 'PutItem'], sign: false, publicKeys: false, email: true },
  },
  {
    id: 'email-code-verify',
    methods: ['POST'],
    path: '/{tenantId}/email/code/verify',
    entry: 'lambdas/email-code-verify/handler.ts',
    auth: 'public',
    // tenant, interaction; counting the attempt and marking the code verified are conditional UpdateItems
    access: { dynamodb: ['GetItem', 'UpdateItem'], sign: false, publicKeys: false },
  },
  {
    id: 'passkey-authentication-options',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/authentication/options',
    entry: 'lambdas/passkey-authentication-options/handler.ts',
    auth: 'public',
    // an email lists the account's passkeys on GSI1; UpdateItem gives a tenant stored before decoy keys its key
    access: { dynamodb: ['GetItem', 'Query:gsi1', 'PutItem', 'UpdateItem'], sign: false, publicKeys: false },
  },
  {
    id: 'passkey-authentication-verify',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/authentication/verify',
    entry: 'lambdas/passkey-authentication-verify/handler.ts',
    auth: 'public',
    // consumes the challenge and the interaction (DeleteItem), advances the counter, puts session + event and code
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], sign: false, publicKeys: false },
  },
  {
    id: 'passkey-registration-options',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/registration/options',
    entry: 'lambdas/passkey-registration-options/handler.ts',
    auth: 'public',
    // UpdateItem: the first ceremony locks the tenant's RP ID; a recovery lists the account's passkeys (GSI1) to
    // exclude them
    access: { dynamodb: ['GetItem', 'Query:gsi1', 'PutItem', 'UpdateItem'], sign: false, publicKeys: false },
  },
  {
    id: 'passkey-registration-verify',
    methods: ['POST'],
    path: '/{tenantId}/passkeys/registration/verify',
    entry: 'lambdas/passkey-registration-verify/handler.ts',
    auth: 'public',
    // consumes challenge and interaction; user, email claim, passkey, events, audit entry, session and code are Puts;
    // the email flow is spent by an Update; a recovery checks the account and its address (ConditionCheck), and one of
    // an address nobody had proved lists (GSI1) and removes the account's earlier passkeys and sessions
    access: {
      dynamodb: ['GetItem', 'Query:gsi1', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
      sign: false,
      publicKeys: false,
      // the "a passkey was added" notice after a recovery or an addition on the account page
      email: true,
    },
  },
  // Admin API (docs/ADMIN-API.md): JSON only, problem details on error, idempotency keys on POST/PATCH.
  {
    id: 'admin-tenants',
    methods: ['GET', 'POST'],
    path: '/admin/tenants',
    entry: 'lambdas/admin-tenants/handler.ts',
    stack: 'admin-api',
    auth: 'operator',
    // operator only (no key to read); lists on GSI1; creating checks the id's tombstone (ConditionCheckItem)
    access: {
      dynamodb: ['Query:gsi1', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-tenant',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}',
    entry: 'lambdas/admin-tenant/handler.ts',
    stack: 'admin-api',
    auth: { GET: 'tenant-admin', PATCH: 'tenant-admin', DELETE: 'operator' },
    // DELETE purges the tenant: a filtered parallel Scan and BatchWriteItem deletes
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Scan', 'BatchWriteItem'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-api-keys',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/api-keys',
    entry: 'lambdas/admin-api-keys/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-api-key',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/api-keys/{keyId}',
    entry: 'lambdas/admin-api-key/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // a DELETE: no Idempotency-Key, so no DeleteItem (revoking is an UpdateItem)
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-initial-access-tokens',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/initial-access-tokens',
    entry: 'lambdas/admin-initial-access-tokens/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-initial-access-token',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/initial-access-tokens/{tokenId}',
    entry: 'lambdas/admin-initial-access-token/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // a DELETE: no Idempotency-Key, so no DeleteItem (revoking is an UpdateItem)
    access: { dynamodb: ['GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-clients',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/clients',
    entry: 'lambdas/admin-clients/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-client',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}/clients/{clientId}',
    entry: 'lambdas/admin-client/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-client-secret',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/clients/{clientId}/secret',
    entry: 'lambdas/admin-client-secret/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-users',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/users',
    entry: 'lambdas/admin-users/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // POST issues the new user's invitation in its transaction and emails it after the commit
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query:gsi1'],
      sign: false,
      publicKeys: false,
      email: true,
    },
  },
  {
    id: 'admin-user',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}/users/{userId}',
    entry: 'lambdas/admin-user/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // PATCH (suspension) and DELETE end the user's sessions and families after the change: GSI1 queries, DeleteItem
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query:gsi1'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-user-passkeys',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/users/{userId}/passkeys',
    entry: 'lambdas/admin-user-passkeys/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { dynamodb: [...ADMIN_READ, 'Query:gsi1'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-user-passkey',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/users/{userId}/passkeys/{credentialId}',
    entry: 'lambdas/admin-user-passkey/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-user-sessions',
    methods: ['GET', 'DELETE'],
    path: '/admin/tenants/{tenantId}/users/{userId}/sessions',
    entry: 'lambdas/admin-user-sessions/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // DELETE: like admin-user's suspension, after marking the user
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query:gsi1'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-user-invitation',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/users/{userId}/invitation',
    entry: 'lambdas/admin-user-invitation/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // replaces the user's invitation (a new link; the old one stops working) while the user is as read
    // (ConditionCheck), and emails it after the commit
    access: { dynamodb: [...ADMIN_CHANGE], sign: false, publicKeys: false, email: true },
  },
  {
    id: 'admin-roles',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/roles',
    entry: 'lambdas/admin-roles/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-role',
    methods: ['DELETE'],
    path: '/admin/tenants/{tenantId}/roles/{name}',
    entry: 'lambdas/admin-role/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  // Resource servers (RFC 8707 resource indicators).
  {
    id: 'admin-resources',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/resources',
    entry: 'lambdas/admin-resources/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    // lists by Query on the tenant partition; creating reads the introspecting client (GetItem)
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-resource',
    methods: ['GET', 'DELETE'],
    path: '/admin/tenants/{tenantId}/resources/{resourceId}',
    entry: 'lambdas/admin-resource/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  // Webhooks and the event feed (docs/WEBHOOKS.md).
  {
    id: 'admin-webhooks',
    methods: ['GET', 'POST'],
    path: '/admin/tenants/{tenantId}/webhooks',
    entry: 'lambdas/admin-webhooks/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
      webhookSecrets: true,
    },
  },
  {
    id: 'admin-webhook',
    methods: ['GET', 'PATCH', 'DELETE'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}',
    entry: 'lambdas/admin-webhook/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-webhook-secret',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret',
    entry: 'lambdas/admin-webhook-secret/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
      webhookSecrets: true,
    },
  },
  {
    id: 'admin-webhook-test',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/test',
    entry: 'lambdas/admin-webhook-test/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
    },
  },
  {
    id: 'admin-webhook-deliveries',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries',
    entry: 'lambdas/admin-webhook-deliveries/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { dynamodb: [...ADMIN_READ, 'Query'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-webhook-replay',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/replay',
    entry: 'lambdas/admin-webhook-replay/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: ADMIN_CHANGE,
      sign: false,
      publicKeys: false,
      webhookQueue: true,
    },
  },
  {
    id: 'admin-webhook-bulk-replay',
    methods: ['POST'],
    path: '/admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries/replay',
    entry: 'lambdas/admin-webhook-bulk-replay/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: {
      dynamodb: [...ADMIN_CHANGE, 'Query'],
      sign: false,
      publicKeys: false,
      webhookQueue: true,
    },
  },
  {
    id: 'admin-events',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/events',
    entry: 'lambdas/admin-events/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { dynamodb: [...ADMIN_READ, 'Query'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-audit-log',
    methods: ['GET'],
    path: '/admin/tenants/{tenantId}/audit-log',
    entry: 'lambdas/admin-audit-log/handler.ts',
    stack: 'admin-api',
    auth: 'tenant-admin',
    access: { dynamodb: [...ADMIN_READ, 'Query'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-platform-audit-log',
    methods: ['GET'],
    path: '/admin/audit-log',
    entry: 'lambdas/admin-audit-log/handler.ts',
    stack: 'admin-api',
    auth: 'operator',
    // operator only: no key to read or touch
    access: { dynamodb: ['Query'], sign: false, publicKeys: false },
  },
  {
    id: 'admin-openapi',
    methods: ['GET'],
    path: '/admin/openapi.json',
    entry: 'lambdas/admin-openapi/handler.ts',
    stack: 'admin-api',
    auth: 'public',
    access: { dynamodb: [], sign: false, publicKeys: false },
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
