import * as z from 'zod/mini';
import { authOf, type HttpMethod, type Route, routes } from '../../routes.ts';
import { ActionsSetting } from '../actions/rules.ts';
import { API_KEY_SCOPES, PLANS } from '../vocabulary.ts';
import { ClientMetadata, ClientMetadataPatch } from './clients.ts';
import {
  BrandingInput,
  BulkReplay,
  ClientIdMetadataDocumentsInput,
  CreateApiKey,
  CreateInitialAccessToken,
  CreateResource,
  CreateRole,
  CreateTenant,
  CreateUser,
  CreateWebhook,
  NoBody,
  PatchTenant,
  PatchUser,
  PatchWebhook,
  RotateSecret,
  RotateWebhookSecret,
} from './schemas.ts';

/*
 * The OpenAPI 3.1 document of the admin API. Request bodies are the very zod schemas the handlers parse with
 * (converted by zod's own JSON Schema emitter), so the document cannot drift from validation; response schemas are
 * declared here and test/admin/openapi.test.ts validates real responses of every operation against them.
 */

const time = z.iso.datetime();
const nullableTime = z.nullable(time);

const Tenant = z.strictObject({
  id: z.string(),
  name: z.string(),
  plan: z.enum(PLANS),
  settings: z.strictObject({
    rpId: z.optional(z.string()),
    signUpOpen: z.boolean(),
    signUpVerification: z.enum(['email', 'none']),
    openClientRegistration: z.boolean(),
    refreshGraceSeconds: z.number(),
    accessTokenTtlSeconds: z.number(),
    idTokenTtlSeconds: z.number(),
    refreshTokenTtlSeconds: z.number(),
    sessionTtlSeconds: z.number(),
    requirePushedAuthorizationRequests: z.boolean(),
    branding: z.optional(BrandingInput),
    clientIdMetadataDocuments: z.optional(ClientIdMetadataDocumentsInput),
    actions: z.optional(ActionsSetting),
  }),
  rp_id_locked: z.boolean(),
  created_at: time,
  issuer: z.url(),
  discovery: z.url(),
});

const apiKeyFields = {
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  created_at: time,
  created_by: z.string(),
  last_used_at: nullableTime,
  revoked_at: nullableTime,
};
const ApiKey = z.strictObject(apiKeyFields);
/** `secret` is null only in an idempotent replay (secrets are never stored). */
const CreatedApiKey = z.strictObject({ ...apiKeyFields, secret: z.nullable(z.string()) });

const initialAccessTokenFields = {
  id: z.string(),
  description: z.string(),
  created_at: time,
  created_by: z.string(),
  expires_at: time,
  /** null: any number of registrations until it expires. */
  max_uses: z.nullable(z.number()),
  uses: z.number(),
  /** null: any acceptable redirect URI. */
  allowed_redirect_hosts: z.nullable(z.array(z.string())),
  /** null: any grant type. */
  grant_types: z.nullable(z.array(z.string())),
  first_party: z.boolean(),
  revoked_at: nullableTime,
};
const InitialAccessToken = z.strictObject(initialAccessTokenFields);
/** `token` is null only in an idempotent replay (tokens are never stored). */
const CreatedInitialAccessToken = z.strictObject({ ...initialAccessTokenFields, token: z.nullable(z.string()) });

const clientFields = {
  client_id: z.string(),
  client_id_issued_at: z.number(),
  client_name: z.string(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()),
  response_types: z.array(z.string()),
  token_endpoint_auth_method: z.string(),
  scope: z.string(),
  audience: z.optional(z.string()),
  client_type: z.optional(z.enum(['service', 'agent'])),
  /** false: a third-party client, whose sign-ins show the consent page. */
  first_party: z.boolean(),
  /** RFC 9126 §6: only pushed authorization requests from this client. */
  require_pushed_authorization_requests: z.boolean(),
  /** null: the client may ask for any resource the tenant registered. */
  resources: z.nullable(z.array(z.string())),
  /** null: the client may not act for users (RFC 8693 token exchange). */
  token_exchange: z.nullable(
    z.strictObject({
      scopes: z.nullable(z.array(z.string())),
      resources: z.nullable(z.array(z.string())),
      max_lifetime: z.nullable(z.number()),
    }),
  ),
  access_token_lifetime: z.optional(z.number()),
  id_token_lifetime: z.optional(z.number()),
  refresh_token_lifetime: z.optional(z.number()),
};
const Client = z.strictObject(clientFields);
const CreatedClient = z.strictObject({
  ...clientFields,
  client_secret: z.optional(z.nullable(z.string())),
  client_secret_expires_at: z.optional(z.number()),
});
const RotatedSecret = z.strictObject({
  client_id: z.string(),
  client_secret: z.nullable(z.string()),
  client_secret_expires_at: z.number(),
  previous_secret_expires_at: z.nullable(z.number()),
});

const User = z.strictObject({
  id: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  given_name: z.string(),
  family_name: z.string(),
  roles: z.array(z.string()),
  /** The tenant's own id for the person, unique in the tenant; null when not set. */
  external_id: z.nullable(z.string()),
  suspended: z.boolean(),
  created_at: time,
  sessions_revoked_at: nullableTime,
});
/** `sent` is null only in an idempotent replay: the stored response was committed before the email was sent. */
const invitationFields = { expires_at: time, sent: z.nullable(z.boolean()) };
/** null: created with `invite: false`, no invitation was issued. */
const CreatedUser = z.strictObject({ ...User.shape, invitation: z.nullable(z.strictObject(invitationFields)) });
const Invitation = z.strictObject({ user_id: z.string(), ...invitationFields });
const Passkey = z.strictObject({
  id: z.string(),
  name: z.string(),
  created_at: time,
  last_used_at: nullableTime,
  transports: z.array(z.string()),
  backed_up: z.boolean(),
  device_type: z.enum(['singleDevice', 'multiDevice']),
});
const Session = z.strictObject({
  id: z.nullable(z.string()),
  authenticated_at: time,
  expires_at: time,
  amr: z.array(z.string()),
  /** The authentication context class the session's sign-in reached (OIDC Core §2); null for none known. */
  acr: z.nullable(z.string()),
});
const Role = z.strictObject({
  name: z.string(),
  description: z.nullable(z.string()),
  built_in: z.boolean(),
  users: z.nullable(z.number()),
  created_at: nullableTime,
});
const Resource = z.strictObject({
  id: z.string(),
  identifier: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  access_token_lifetime: z.nullable(z.number()),
  client_id: z.nullable(z.string()),
  created_at: time,
});
const AuditEntry = z.strictObject({
  id: z.string(),
  time,
  actor: z.string(),
  action: z.string(),
  target: z.strictObject({ type: z.string(), id: z.string() }),
  trace_id: z.string(),
  idempotency_key: z.nullable(z.string()),
  changes: z.record(z.string(), z.unknown()),
});
const webhookFields = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  description: z.string(),
  disabled_reason: z.nullable(z.enum(['gone', 'failing'])),
  failing_since: nullableTime,
  previous_secret_expires_at: nullableTime,
  created_at: time,
};
const Webhook = z.strictObject(webhookFields);
/** `secret` is null only in an idempotent replay. */
const CreatedWebhook = z.strictObject({ ...webhookFields, secret: z.nullable(z.string()) });
const Delivery = z.strictObject({
  id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.array(
    z.strictObject({
      attempt: z.number(),
      at: time,
      response_status: z.nullable(z.number()),
      latency_ms: z.number(),
      error_class: z.nullable(z.string()),
      replay: z.boolean(),
    }),
  ),
  next_attempt_at: nullableTime,
  created_at: time,
});
const Event = z.strictObject({
  id: z.string(),
  type: z.string(),
  timestamp: time,
  tenant_id: z.string(),
  data: z.record(z.string(), z.unknown()),
});
const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  traceId: z.string(),
  code: z.string(),
  error: z.optional(z.string()),
  error_description: z.optional(z.string()),
});
const list = (item: z.ZodMiniType) => z.strictObject({ items: z.array(item), next_cursor: z.nullable(z.string()) });
const done = (fields: Record<string, z.ZodMiniType>) => z.strictObject(fields);

interface Operation {
  readonly summary: string;
  readonly request?: z.ZodMiniType;
  readonly query?: Readonly<Record<string, string>>;
  readonly status: number;
  readonly response: z.ZodMiniType;
}

const PAGE = { limit: 'Page size, 1–100 (default 50).', cursor: 'next_cursor of the previous page.' };

/** One entry per admin route and method of lambdas/routes.ts (the OpenAPI test fails on a missing one). */
export const ADMIN_OPERATIONS: Readonly<Record<string, Partial<Record<HttpMethod, Operation>>>> = {
  'admin-tenants': {
    GET: { summary: 'List tenants (operator)', query: PAGE, status: 200, response: list(Tenant) },
    POST: { summary: 'Create a tenant (operator)', request: CreateTenant, status: 201, response: Tenant },
  },
  'admin-tenant': {
    GET: { summary: 'Read a tenant', status: 200, response: Tenant },
    PATCH: {
      summary: 'Change name, settings (and, operator only, plan)',
      request: PatchTenant,
      status: 200,
      response: Tenant,
    },
    DELETE: {
      summary: 'Delete a tenant and purge its data (operator)',
      status: 200,
      response: done({ id: z.string(), deleted: z.boolean(), purged: z.boolean(), items_removed: z.number() }),
    },
  },
  'admin-api-keys': {
    GET: { summary: "List the tenant's API keys", query: PAGE, status: 200, response: list(ApiKey) },
    POST: {
      summary: 'Create an API key (secret shown once)',
      request: CreateApiKey,
      status: 201,
      response: CreatedApiKey,
    },
  },
  'admin-api-key': {
    DELETE: { summary: 'Revoke an API key', status: 200, response: done({ id: z.string(), revoked: z.boolean() }) },
  },
  'admin-initial-access-tokens': {
    GET: {
      summary: 'List initial access tokens for dynamic client registration (uses, expiry, constraints)',
      query: PAGE,
      status: 200,
      response: list(InitialAccessToken),
    },
    POST: {
      summary: 'Create an initial access token for POST {issuer}/register (RFC 7591; shown once)',
      request: CreateInitialAccessToken,
      status: 201,
      response: CreatedInitialAccessToken,
    },
  },
  'admin-initial-access-token': {
    DELETE: {
      summary: 'Revoke an initial access token (registered clients stay)',
      status: 200,
      response: done({ id: z.string(), revoked: z.boolean() }),
    },
  },
  'admin-clients': {
    GET: { summary: 'List clients', query: PAGE, status: 200, response: list(Client) },
    POST: {
      summary: 'Register a client (RFC 7591 metadata)',
      request: ClientMetadata,
      status: 201,
      response: CreatedClient,
    },
  },
  'admin-client': {
    GET: { summary: 'Read a client', status: 200, response: Client },
    PATCH: { summary: 'Change client metadata', request: ClientMetadataPatch, status: 200, response: Client },
    DELETE: {
      summary: 'Delete a client (its tokens stop working)',
      status: 200,
      response: done({ client_id: z.string(), deleted: z.boolean() }),
    },
  },
  'admin-client-secret': {
    POST: {
      summary: 'Rotate the client secret (the previous one stays valid for the overlap)',
      request: RotateSecret,
      status: 200,
      response: RotatedSecret,
    },
  },
  'admin-users': {
    GET: {
      summary: 'List users, or find one by ?email= or ?external_id=',
      query: {
        ...PAGE,
        email: 'Exact email address (any case).',
        external_id: 'The tenant’s own id for the user (exact).',
      },
      status: 200,
      response: list(User),
    },
    POST: {
      summary: 'Create a user (without credentials) and email an invitation to set up a passkey',
      request: CreateUser,
      status: 201,
      response: CreatedUser,
    },
  },
  'admin-user': {
    GET: { summary: 'Read a user', status: 200, response: User },
    PATCH: { summary: 'Change profile claims, roles, suspension', request: PatchUser, status: 200, response: User },
    DELETE: { summary: 'Delete a user', status: 200, response: done({ id: z.string(), deleted: z.boolean() }) },
  },
  'admin-user-invitation': {
    POST: {
      summary: 'Email the user a new invitation link (the previous link stops working)',
      request: NoBody,
      status: 200,
      response: Invitation,
    },
  },
  'admin-user-passkeys': {
    GET: { summary: "List a user's passkeys", query: PAGE, status: 200, response: list(Passkey) },
  },
  'admin-user-passkey': {
    DELETE: { summary: 'Remove a passkey', status: 200, response: done({ id: z.string(), deleted: z.boolean() }) },
  },
  'admin-user-sessions': {
    GET: { summary: "List a user's sessions", query: PAGE, status: 200, response: list(Session) },
    DELETE: {
      summary: 'Sign the user out everywhere (sessions and token families)',
      status: 200,
      response: done({ id: z.string(), sessions_revoked_at: time }),
    },
  },
  'admin-roles': {
    GET: { summary: 'List built-in and custom roles', query: PAGE, status: 200, response: list(Role) },
    POST: { summary: 'Create a custom role', request: CreateRole, status: 201, response: Role },
  },
  'admin-role': {
    DELETE: {
      summary: 'Delete a custom role (409 while assigned)',
      status: 200,
      response: done({ name: z.string(), deleted: z.boolean() }),
    },
  },
  'admin-resources': {
    GET: { summary: 'List resource servers (RFC 8707)', query: PAGE, status: 200, response: list(Resource) },
    POST: {
      summary: 'Register a resource server (409 if its identifier is registered)',
      request: CreateResource,
      status: 201,
      response: Resource,
    },
  },
  'admin-resource': {
    GET: { summary: 'Read a resource server', status: 200, response: Resource },
    DELETE: {
      summary: 'Delete a resource server (requests for it become invalid_target)',
      status: 200,
      response: done({ id: z.string(), deleted: z.boolean() }),
    },
  },
  'admin-audit-log': {
    GET: { summary: "The tenant's audit log, newest first", query: PAGE, status: 200, response: list(AuditEntry) },
  },
  'admin-platform-audit-log': {
    GET: {
      summary: 'The platform audit log (tenant deletions; operator)',
      query: PAGE,
      status: 200,
      response: list(AuditEntry),
    },
  },
  'admin-webhooks': {
    GET: { summary: 'List webhook subscriptions', query: PAGE, status: 200, response: list(Webhook) },
    POST: {
      summary: 'Subscribe a receiver to events (signing secret shown once)',
      request: CreateWebhook,
      status: 201,
      response: CreatedWebhook,
    },
  },
  'admin-webhook': {
    GET: { summary: 'Read a webhook subscription', status: 200, response: Webhook },
    PATCH: {
      summary: 'Change url, events, enabled, description',
      request: PatchWebhook,
      status: 200,
      response: Webhook,
    },
    DELETE: {
      summary: 'Delete a subscription (pending retries stop)',
      status: 200,
      response: done({ id: z.string(), deleted: z.boolean() }),
    },
  },
  'admin-webhook-secret': {
    POST: {
      summary: 'Rotate the signing secret (both sign during the overlap)',
      request: RotateWebhookSecret,
      status: 200,
      response: done({ id: z.string(), secret: z.nullable(z.string()), previous_secret_expires_at: nullableTime }),
    },
  },
  'admin-webhook-test': {
    POST: {
      summary: 'Send a webhook.test event through the delivery pipeline',
      request: NoBody,
      status: 202,
      response: done({ event_id: z.string(), webhook_id: z.string() }),
    },
  },
  'admin-webhook-deliveries': {
    GET: {
      summary: 'The delivery log, newest first (kept 30 days)',
      query: { ...PAGE, status: 'pending, delivered or failed.' },
      status: 200,
      response: list(Delivery),
    },
  },
  'admin-webhook-replay': {
    POST: {
      summary: 'Attempt one delivery again now',
      request: NoBody,
      status: 202,
      response: done({ delivery_id: z.string(), event_id: z.string(), queued: z.boolean() }),
    },
  },
  'admin-webhook-bulk-replay': {
    POST: {
      summary: 'Attempt every failed delivery of a time range again',
      request: BulkReplay,
      status: 202,
      response: done({
        replayed: z.number(),
        truncated: z.boolean(),
        next_after: z.nullable(z.string()),
        delivery_ids: z.array(z.string()),
      }),
    },
  },
  'admin-events': {
    GET: {
      summary: "The tenant's events, oldest first, after a given event (kept 30 days)",
      query: {
        after: 'An event id: events strictly after it (next_after of the previous page).',
        types: 'Comma-separated event types.',
        limit: 'Page size, 1–100 (default 50).',
      },
      status: 200,
      response: z.strictObject({ items: z.array(Event), next_after: z.nullable(z.string()), settled_until: time }),
    },
  },
  'admin-openapi': {
    GET: { summary: 'This document', status: 200, response: z.record(z.string(), z.unknown()) },
  },
};

function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output') {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

function operationOf(route: Route, method: HttpMethod, op: Operation) {
  const auth = authOf(route, method);
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const parameters = [
    ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...Object.entries(op.query ?? {}).map(([name, description]) => ({
      name,
      in: 'query',
      required: false,
      description,
      schema: name === 'limit' ? { type: 'integer', minimum: 1, maximum: 100 } : { type: 'string' },
    })),
    ...(method === 'POST' || method === 'PATCH'
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Replays the stored response for 24 h (one-time secrets withheld); 422 for a different request, 409 while in flight.',
            schema: { type: 'string', maxLength: 255 },
          },
        ]
      : []),
  ];
  return {
    operationId: `${route.id}.${method.toLowerCase()}`,
    summary: op.summary,
    'x-keyway-auth': auth,
    security: auth === 'public' ? [] : [{ bearer: [] }, ...(auth === 'tenant-admin' ? [{ basic: [] }] : [])],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.request
      ? {
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.request, 'input') } } },
        }
      : {}),
    responses: {
      [op.status]: {
        description: 'Success',
        content: { 'application/json': { schema: jsonSchema(op.response, 'output') } },
      },
      default: {
        description: 'RFC 7807 problem details (with traceId)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

/** The whole document; `servers` is filled in per request (the base URL depends on the deployment). */
export function adminOpenApi(baseUrl: string): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Keyway admin API',
      version: '1',
      description:
        'Manage tenants, API keys, clients, initial access tokens for dynamic client registration, resource servers, users, roles, passkeys, sessions, webhooks and read the event feed. Authenticate with the platform operator key (Bearer) or a tenant API key (Bearer, or HTTP Basic with the key as the username).',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'KEYWAY_ADMIN_KEY, or a tenant API key kw_sk_…' },
        basic: { type: 'http', scheme: 'basic', description: 'A tenant API key as the username, empty password' },
      },
      schemas: { Problem: jsonSchema(Problem, 'output') },
    },
    paths: Object.fromEntries(
      routes
        .filter((r) => r.path.startsWith('/admin/'))
        .map((route) => [
          route.path,
          Object.fromEntries(
            route.methods
              .filter((m) => m !== 'OPTIONS')
              .map((method) => {
                const op = ADMIN_OPERATIONS[route.id]?.[method];
                if (!op) throw new Error(`no OpenAPI operation for ${method} ${route.path}`);
                return [method.toLowerCase(), operationOf(route, method, op)];
              }),
          ),
        ]),
    ),
  };
  return { ...cached, servers: [{ url: baseUrl }] };
}
