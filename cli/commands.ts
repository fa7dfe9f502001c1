/**
 * The one command table of the `keyway` CLI. Each entry maps arguments to one admin API call; the runner
 * (cli/run.ts) holds the only logic. The CLI checks nothing the API decides (plans, scopes, URIs, lengths): it
 * sends what it was given and prints what the server answers, so the two cannot disagree.
 */
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * How a flag's text becomes a value. Parsing only: `json` must be JSON, `number` a number, `list` splits on commas;
 * whether the value is acceptable is the server's call.
 */
export type FlagKind = 'string' | 'repeat' | 'list' | 'json' | 'number' | 'boolean';

export interface Flag {
  /** Long name without dashes (`redirect-uri`). */
  readonly name: string;
  readonly kind: FlagKind;
  /** A usage error when absent; shown without brackets in the usage text. */
  readonly required?: boolean;
  /** Placeholder in the usage text. */
  readonly value?: string;
  /**
   * Where the value goes: a JSON body field, a query parameter, or `merge` (a JSON object spread into the body,
   * after the other fields). A flag with no destination only steers the command (`--platform`).
   */
  readonly body?: string;
  readonly query?: string;
  readonly merge?: true;
  /** What a `boolean` flag puts in the body (default true): `--no-invite` sends `invite: false`. */
  readonly sets?: boolean;
}

export interface Positional {
  readonly name: string;
  readonly optional?: true;
  /** The JSON body field it fills; otherwise it fills the `{name}` placeholder of the path. */
  readonly body?: string;
}

/** A path chosen by a boolean flag (`audit-log --platform`): `on` when the flag is given, else `off`. */
export interface PathByFlag {
  readonly flag: string;
  readonly on: string;
  readonly off: string;
}

export interface Command {
  readonly resource: string;
  /** Absent for a resource that is its own command (`audit-log`). */
  readonly action?: string;
  readonly positionals: readonly Positional[];
  readonly flags: readonly Flag[];
  readonly method: Method;
  /**
   * Path template: `{name}` is replaced by the URL-encoded positional of that name. Data, not code, so a test can
   * compare every template with the route table (lambdas/routes.ts).
   */
  readonly path: string | PathByFlag;
  /** Body fields that do not come from arguments (`suspended: true`). */
  readonly fixedBody?: Readonly<Record<string, unknown>>;
  /** A paginated listing: takes `--limit`, `--cursor` and `--all`. */
  readonly list?: true;
  /** A public endpoint: no key needed, and none is sent. */
  readonly public?: true;
}

/** The path templates a command can call: one, or both of a flag-chosen pair. */
export function pathTemplates(command: Command): readonly string[] {
  return typeof command.path === 'string' ? [command.path] : [command.path.on, command.path.off];
}

/** The path template of one invocation, given its parsed flags. */
export function pathTemplate(command: Command, flags: Readonly<Record<string, unknown>>): string {
  const { path } = command;
  if (typeof path === 'string') return path;
  return flags[path.flag] === true ? path.on : path.off;
}

const T = '/admin/tenants/{tenantId}';
const tenantId: Positional = { name: 'tenantId' };
const clientId: Positional = { name: 'clientId' };
const userId: Positional = { name: 'userId' };
const webhookId: Positional = { name: 'webhookId' };
const resourceId: Positional = { name: 'resourceId' };
const W = `${T}/webhooks/{webhookId}`;

/** RFC 7591 metadata flags shared by `clients create` and `clients update` (where every one is optional). */
const clientMetadataFlags: readonly Flag[] = [
  { name: 'name', kind: 'string', value: 'N', body: 'client_name' },
  { name: 'post-logout-redirect-uri', kind: 'repeat', value: 'URI…', body: 'post_logout_redirect_uris' },
  { name: 'grant-types', kind: 'list', value: 'a,b', body: 'grant_types' },
  {
    name: 'auth-method',
    kind: 'string',
    value: 'client_secret_basic|client_secret_post|none',
    body: 'token_endpoint_auth_method',
  },
  { name: 'scope', kind: 'string', value: '"openid profile"', body: 'scope' },
  // RFC 8707 resource identifiers (a URI with a comma: --metadata '{"resources":[…]}'); '' sends [] (none).
  { name: 'resources', kind: 'list', value: 'URI,URI', body: 'resources' },
  { name: 'metadata', kind: 'json', value: 'JSON', merge: true },
];

/** The listing flags every `list: true` command accepts, added by the runner. */
export const LIST_FLAGS: readonly Flag[] = [
  { name: 'limit', kind: 'string', value: 'N', query: 'limit' },
  { name: 'cursor', kind: 'string', value: 'C', query: 'cursor' },
  { name: 'all', kind: 'boolean' },
];

export const commands: readonly Command[] = [
  {
    resource: 'tenants',
    action: 'list',
    positionals: [],
    flags: [],
    method: 'GET',
    path: '/admin/tenants',
    list: true,
  },
  { resource: 'tenants', action: 'get', positionals: [tenantId], flags: [], method: 'GET', path: T },
  {
    resource: 'tenants',
    action: 'create',
    positionals: [],
    flags: [
      { name: 'name', kind: 'string', required: true, value: 'N', body: 'name' },
      { name: 'plan', kind: 'string', required: true, value: 'free|pro|enterprise', body: 'plan' },
      { name: 'id', kind: 'string', value: 'ID', body: 'id' },
      { name: 'settings', kind: 'json', value: 'JSON', body: 'settings' },
    ],
    method: 'POST',
    path: '/admin/tenants',
  },
  {
    resource: 'tenants',
    action: 'update',
    positionals: [tenantId],
    flags: [
      { name: 'name', kind: 'string', value: 'N', body: 'name' },
      { name: 'plan', kind: 'string', value: 'P', body: 'plan' },
      { name: 'settings', kind: 'json', value: 'JSON', body: 'settings' },
    ],
    method: 'PATCH',
    path: T,
  },
  { resource: 'tenants', action: 'delete', positionals: [tenantId], flags: [], method: 'DELETE', path: T },

  {
    resource: 'api-keys',
    action: 'list',
    positionals: [tenantId],
    flags: [],
    method: 'GET',
    path: `${T}/api-keys`,
    list: true,
  },
  {
    resource: 'api-keys',
    action: 'create',
    positionals: [tenantId],
    flags: [
      { name: 'name', kind: 'string', required: true, value: 'N', body: 'name' },
      { name: 'scopes', kind: 'list', value: 'read,write', body: 'scopes' },
    ],
    method: 'POST',
    path: `${T}/api-keys`,
  },
  {
    resource: 'api-keys',
    action: 'revoke',
    positionals: [tenantId, { name: 'keyId' }],
    flags: [],
    method: 'DELETE',
    path: `${T}/api-keys/{keyId}`,
  },

  {
    resource: 'initial-access-tokens',
    action: 'list',
    positionals: [tenantId],
    flags: [],
    method: 'GET',
    path: `${T}/initial-access-tokens`,
    list: true,
  },
  {
    // A token for dynamic client registration (RFC 7591): `keyway init --registration-token …` uses one.
    resource: 'initial-access-tokens',
    action: 'create',
    positionals: [tenantId],
    flags: [
      { name: 'description', kind: 'string', value: 'D', body: 'description' },
      { name: 'expires-in', kind: 'number', value: 'SECONDS', body: 'expires_in' },
      { name: 'max-uses', kind: 'number', value: 'N', body: 'max_uses' },
      { name: 'allowed-redirect-hosts', kind: 'list', value: 'host,host', body: 'allowed_redirect_hosts' },
      { name: 'grant-types', kind: 'list', value: 'a,b', body: 'grant_types' },
      { name: 'first-party', kind: 'boolean', body: 'first_party' },
    ],
    method: 'POST',
    path: `${T}/initial-access-tokens`,
  },
  {
    resource: 'initial-access-tokens',
    action: 'revoke',
    positionals: [tenantId, { name: 'tokenId' }],
    flags: [],
    method: 'DELETE',
    path: `${T}/initial-access-tokens/{tokenId}`,
  },

  {
    resource: 'clients',
    action: 'list',
    positionals: [tenantId],
    flags: [],
    method: 'GET',
    path: `${T}/clients`,
    list: true,
  },
  {
    resource: 'clients',
    action: 'get',
    positionals: [tenantId, clientId],
    flags: [],
    method: 'GET',
    path: `${T}/clients/{clientId}`,
  },
  {
    resource: 'clients',
    action: 'create',
    positionals: [tenantId],
    flags: [
      { name: 'redirect-uri', kind: 'repeat', required: true, value: 'URI…', body: 'redirect_uris' },
      ...clientMetadataFlags,
    ],
    method: 'POST',
    path: `${T}/clients`,
  },
  {
    resource: 'clients',
    action: 'update',
    positionals: [tenantId, clientId],
    flags: [{ name: 'redirect-uri', kind: 'repeat', value: 'URI…', body: 'redirect_uris' }, ...clientMetadataFlags],
    method: 'PATCH',
    path: `${T}/clients/{clientId}`,
  },
  {
    resource: 'clients',
    action: 'delete',
    positionals: [tenantId, clientId],
    flags: [],
    method: 'DELETE',
    path: `${T}/clients/{clientId}`,
  },
  {
    resource: 'clients',
    action: 'rotate-secret',
    positionals: [tenantId, clientId],
    flags: [{ name: 'overlap-seconds', kind: 'number', value: 'N', body: 'overlap_seconds' }],
    method: 'POST',
    path: `${T}/clients/{clientId}/secret`,
  },

  {
    resource: 'users',
    action: 'list',
    positionals: [tenantId],
    flags: [{ name: 'email', kind: 'string', value: 'E', query: 'email' }],
    method: 'GET',
    path: `${T}/users`,
    list: true,
  },
  {
    resource: 'users',
    action: 'get',
    positionals: [tenantId, userId],
    flags: [],
    method: 'GET',
    path: `${T}/users/{userId}`,
  },
  {
    resource: 'users',
    action: 'create',
    positionals: [tenantId],
    flags: [
      { name: 'email', kind: 'string', required: true, value: 'E', body: 'email' },
      { name: 'given-name', kind: 'string', value: 'G', body: 'given_name' },
      { name: 'family-name', kind: 'string', value: 'F', body: 'family_name' },
      { name: 'roles', kind: 'list', value: 'a,b', body: 'roles' },
      { name: 'external-id', kind: 'string', value: 'ID', body: 'external_id' },
      { name: 'email-verified', kind: 'boolean', body: 'email_verified' },
      // Without it the server emails the new user an invitation; the response's `invitation.sent` says if it went out.
      { name: 'no-invite', kind: 'boolean', body: 'invite', sets: false },
    ],
    method: 'POST',
    path: `${T}/users`,
  },
  {
    resource: 'users',
    action: 'invite',
    positionals: [tenantId, userId],
    flags: [],
    method: 'POST',
    path: `${T}/users/{userId}/invitation`,
  },
  {
    resource: 'users',
    action: 'update',
    positionals: [tenantId, userId],
    flags: [
      { name: 'email', kind: 'string', value: 'E', body: 'email' },
      { name: 'given-name', kind: 'string', value: 'G', body: 'given_name' },
      { name: 'family-name', kind: 'string', value: 'F', body: 'family_name' },
      { name: 'roles', kind: 'list', value: 'a,b', body: 'roles' },
      { name: 'external-id', kind: 'string', value: 'ID', body: 'external_id' },
      // Without it the server marks a changed email unverified; there is no flag for false (unverify).
      { name: 'email-verified', kind: 'boolean', body: 'email_verified' },
    ],
    method: 'PATCH',
    path: `${T}/users/{userId}`,
  },
  {
    resource: 'users',
    action: 'suspend',
    positionals: [tenantId, userId],
    flags: [],
    method: 'PATCH',
    path: `${T}/users/{userId}`,
    fixedBody: { suspended: true },
  },
  {
    resource: 'users',
    action: 'unsuspend',
    positionals: [tenantId, userId],
    flags: [],
    method: 'PATCH',
    path: `${T}/users/{userId}`,
    fixedBody: { suspended: false },
  },
  {
    resource: 'users',
    action: 'delete',
    positionals: [tenantId, userId],
    flags: [],
    method: 'DELETE',
    path: `${T}/users/{userId}`,
  },
  {
    resource: 'users',
    action: 'sessions',
    positionals: [tenantId, userId],
    flags: [],
    method: 'GET',
    path: `${T}/users/{userId}/sessions`,
    list: true,
  },
  {
    resource: 'users',
    action: 'sign-out',
    positionals: [tenantId, userId],
    flags: [],
    method: 'DELETE',
    path: `${T}/users/{userId}/sessions`,
  },
  {
    resource: 'users',
    action: 'passkeys',
    positionals: [tenantId, userId],
    flags: [],
    method: 'GET',
    path: `${T}/users/{userId}/passkeys`,
    list: true,
  },
  {
    resource: 'users',
    action: 'remove-passkey',
    positionals: [tenantId, userId, { name: 'credentialId' }],
    flags: [],
    method: 'DELETE',
    path: `${T}/users/{userId}/passkeys/{credentialId}`,
  },

  {
    resource: 'roles',
    action: 'list',
    positionals: [tenantId],
    flags: [],
    method: 'GET',
    path: `${T}/roles`,
    list: true,
  },
  {
    resource: 'roles',
    action: 'create',
    positionals: [tenantId, { name: 'name', body: 'name' }],
    flags: [{ name: 'description', kind: 'string', value: 'D', body: 'description' }],
    method: 'POST',
    path: `${T}/roles`,
  },
  {
    resource: 'roles',
    action: 'delete',
    positionals: [tenantId, { name: 'name' }],
    flags: [],
    method: 'DELETE',
    path: `${T}/roles/{name}`,
  },

  {
    resource: 'resources',
    action: 'list',
    positionals: [tenantId],
    flags: [],
    method: 'GET',
    path: `${T}/resources`,
    list: true,
  },
  {
    resource: 'resources',
    action: 'create',
    positionals: [tenantId],
    flags: [
      { name: 'identifier', kind: 'string', required: true, value: 'URI', body: 'identifier' },
      { name: 'name', kind: 'string', required: true, value: 'N', body: 'name' },
      // Required by the API; `--scopes ''` registers none.
      { name: 'scopes', kind: 'list', required: true, value: 'a,b', body: 'scopes' },
      { name: 'access-token-lifetime', kind: 'number', value: 'S', body: 'access_token_lifetime' },
      { name: 'client-id', kind: 'string', value: 'C', body: 'client_id' },
    ],
    method: 'POST',
    path: `${T}/resources`,
  },
  {
    resource: 'resources',
    action: 'get',
    positionals: [tenantId, resourceId],
    flags: [],
    method: 'GET',
    path: `${T}/resources/{resourceId}`,
  },
  {
    resource: 'resources',
    action: 'delete',
    positionals: [tenantId, resourceId],
    flags: [],
    method: 'DELETE',
    path: `${T}/resources/{resourceId}`,
  },

  {
    resource: 'audit-log',
    // The tenant's log, or with --platform the operator's (tenant deletions); a tenant id with --platform is a
    // usage error because the runner rejects positionals the path does not use.
    positionals: [{ name: 'tenantId', optional: true }],
    flags: [{ name: 'platform', kind: 'boolean' }],
    method: 'GET',
    path: { flag: 'platform', on: '/admin/audit-log', off: `${T}/audit-log` },
    list: true,
  },

  {
    resource: 'webhooks',
    action: 'list',
    positionals: [tenantId],
    flags: [],
    method: 'GET',
    path: `${T}/webhooks`,
    list: true,
  },
  {
    resource: 'webhooks',
    action: 'create',
    positionals: [tenantId],
    flags: [
      { name: 'url', kind: 'string', required: true, value: 'URL', body: 'url' },
      { name: 'events', kind: 'list', required: true, value: 'user.created,…|*', body: 'events' },
      { name: 'description', kind: 'string', value: 'D', body: 'description' },
      { name: 'enabled', kind: 'json', value: 'true|false', body: 'enabled' },
    ],
    method: 'POST',
    path: `${T}/webhooks`,
  },
  { resource: 'webhooks', action: 'get', positionals: [tenantId, webhookId], flags: [], method: 'GET', path: W },
  {
    resource: 'webhooks',
    action: 'update',
    positionals: [tenantId, webhookId],
    flags: [
      { name: 'url', kind: 'string', value: 'URL', body: 'url' },
      { name: 'events', kind: 'list', value: 'user.created,…|*', body: 'events' },
      { name: 'description', kind: 'string', value: 'D', body: 'description' },
      { name: 'enabled', kind: 'json', value: 'true|false', body: 'enabled' },
    ],
    method: 'PATCH',
    path: W,
  },
  { resource: 'webhooks', action: 'delete', positionals: [tenantId, webhookId], flags: [], method: 'DELETE', path: W },
  {
    resource: 'webhooks',
    action: 'rotate-secret',
    positionals: [tenantId, webhookId],
    flags: [{ name: 'overlap-seconds', kind: 'number', value: 'S', body: 'overlap_seconds' }],
    method: 'POST',
    path: `${W}/rotate-secret`,
  },
  {
    resource: 'webhooks',
    action: 'test',
    positionals: [tenantId, webhookId],
    flags: [],
    method: 'POST',
    path: `${W}/test`,
  },
  {
    resource: 'webhooks',
    action: 'deliveries',
    positionals: [tenantId, webhookId],
    flags: [{ name: 'status', kind: 'string', value: 'pending|delivered|failed', query: 'status' }],
    method: 'GET',
    path: `${W}/deliveries`,
    list: true,
  },
  {
    resource: 'webhooks',
    action: 'replay',
    positionals: [tenantId, webhookId, { name: 'deliveryId' }],
    flags: [],
    method: 'POST',
    path: `${W}/deliveries/{deliveryId}/replay`,
  },
  {
    resource: 'webhooks',
    action: 'replay-failed',
    positionals: [tenantId, webhookId],
    flags: [
      { name: 'since', kind: 'string', required: true, value: 'ISO-TIME', body: 'since' },
      { name: 'until', kind: 'string', value: 'ISO-TIME', body: 'until' },
      { name: 'after', kind: 'string', value: 'dlv_…', body: 'after' },
    ],
    method: 'POST',
    path: `${W}/deliveries/replay`,
  },
  {
    resource: 'events',
    // The ordered feed: follow next_after with --after.
    positionals: [tenantId],
    flags: [
      { name: 'after', kind: 'string', value: 'evt_…', query: 'after' },
      { name: 'types', kind: 'string', value: 'a,b', query: 'types' },
      { name: 'limit', kind: 'string', value: 'N', query: 'limit' },
    ],
    method: 'GET',
    path: `${T}/events`,
  },

  { resource: 'openapi', positionals: [], flags: [], method: 'GET', path: '/admin/openapi.json', public: true },
];
