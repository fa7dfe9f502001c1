import * as z from 'zod/mini';
import { ACTION_NAME, ActionsSetting, CustomFields } from '../actions/rules.ts';
import { HEX_COLOR, primaryColorProblem } from '../branding.ts';
import { EVENT_TYPES } from '../events/catalog.ts';
import { GRANT_TYPES } from '../oidc/grant-types.ts';
import { resourceIdentifierProblem } from '../oidc/resources.ts';
import { integerIn } from '../validation.ts';
import { API_KEY_SCOPES, PLANS } from '../vocabulary.ts';

/*
 * The admin API's request bodies. Handlers parse with these; the OpenAPI document is generated from them. They
 * import nothing of the store, so the OpenAPI function bundles no DynamoDB client.
 */

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** Shown on hosted pages and in emails: no control or format characters (line breaks, bidi overrides). */
const displayName = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^[^\p{Cc}\p{Cf}]+$/u, { message: 'must not contain control or format characters' }),
  );

const httpsUrl = z.string().check(
  z.maxLength(2048),
  z.refine((v) => URL.parse(v)?.protocol === 'https:' && !URL.parse(v)?.username && !URL.parse(v)?.password, {
    message: 'must be an https URL without credentials',
  }),
);
const color = z.string().check(z.regex(HEX_COLOR, { message: 'must be a colour as #rrggbb' }));

/** settings.branding: validated here so every hosted page can use it as is (core/branding.ts). */
export const BrandingInput = z.strictObject({
  displayName: z.optional(displayName),
  logoUrl: z.optional(httpsUrl),
  primaryColor: z.optional(
    color.check(
      z.refine((v) => primaryColorProblem(v) === undefined, {
        error: (issue) => primaryColorProblem(String(issue.input)) ?? 'contrast too low',
      }),
    ),
  ),
  backgroundColor: z.optional(color),
  supportUrl: z.optional(httpsUrl),
  privacyUrl: z.optional(httpsUrl),
  termsUrl: z.optional(httpsUrl),
});

/**
 * settings.clientIdMetadataDocuments: `{ "hosts": [...] }` (client_id URLs of these hosts, compared exactly) or
 * `{ "anyHttps": true }`; absent (or PATCH null): off.
 */
export const ClientIdMetadataDocumentsInput = z.union([
  z.strictObject({
    hosts: z
      .array(z.string().check(z.regex(HOST_NAME, { message: 'must be a lower-case host name' })))
      .check(z.minLength(1), z.maxLength(50)),
  }),
  z.strictObject({ anyHttps: z.literal(true) }),
]);

/** Tenant settings as the admin API accepts them (all optional; PATCH merges). */
export const TenantSettingsInput = z.strictObject({
  rpId: z.optional(z.string().check(z.regex(HOST_NAME, { message: 'must be a lower-case host name' }))),
  signUpOpen: z.optional(z.boolean()),
  signUpVerification: z.optional(z.enum(['email', 'none'])),
  openClientRegistration: z.optional(z.boolean()),
  refreshGraceSeconds: z.optional(integerIn(0, 60)),
  accessTokenTtlSeconds: z.optional(integerIn(60, 86_400)),
  idTokenTtlSeconds: z.optional(integerIn(60, 86_400)),
  refreshTokenTtlSeconds: z.optional(integerIn(300, 365 * 86_400)),
  sessionTtlSeconds: z.optional(integerIn(300, 90 * 86_400)),
  requirePushedAuthorizationRequests: z.optional(z.boolean()),
  branding: z.optional(BrandingInput),
  clientIdMetadataDocuments: z.optional(ClientIdMetadataDocumentsInput),
  actions: z.optional(ActionsSetting),
});

export const CreateTenant = z.strictObject({
  name: displayName,
  plan: z.enum(PLANS),
  id: z.optional(z.string().check(z.maxLength(40))),
  settings: z.optional(TenantSettingsInput),
});

/** `rpId: null` returns to the default (the host of BASE_URL). The id never changes. */
export const PatchTenant = z.strictObject({
  name: z.optional(displayName),
  plan: z.optional(z.enum(PLANS)),
  settings: z.optional(
    z.strictObject({
      ...TenantSettingsInput.shape,
      rpId: z.optional(z.nullable(TenantSettingsInput.shape.rpId)),
      branding: z.optional(z.nullable(BrandingInput)),
      clientIdMetadataDocuments: z.optional(z.nullable(ClientIdMetadataDocumentsInput)),
      actions: z.optional(z.nullable(ActionsSetting)),
    }),
  ),
});

export const CreateApiKey = z.strictObject({
  name: displayName,
  /** Default read + write. Every key has `read`. */
  scopes: z.optional(z.array(z.enum(API_KEY_SCOPES)).check(z.minLength(1), z.maxLength(2))),
});

/** An initial access token lives 24 hours unless asked otherwise, and at most 90 days. */
export const DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS = 86_400;
export const MAX_INITIAL_ACCESS_TOKEN_SECONDS = 90 * 86_400;

/** POST …/initial-access-tokens: what clients registered with the token (RFC 7591 §3) may be. */
export const CreateInitialAccessToken = z.strictObject({
  description: z.optional(z.string().check(z.trim(), z.maxLength(200))),
  /** Seconds from now until it registers nothing (default 24 h, at most 90 days). */
  expires_in: z.optional(integerIn(60, MAX_INITIAL_ACCESS_TOKEN_SECONDS)),
  /** How many registrations it allows (1: single use); absent: any number until it expires. */
  max_uses: z.optional(integerIn(1, 1_000_000)),
  /** Every redirect URI of a registered client must have one of these hosts (http(s) only). */
  allowed_redirect_hosts: z.optional(
    z
      .array(z.string().check(z.regex(HOST_NAME, { message: 'must be a lower-case host name' })))
      .check(z.minLength(1), z.maxLength(50)),
  ),
  /** The grant types a registered client may have; absent: any. */
  grant_types: z.optional(z.array(z.enum(GRANT_TYPES)).check(z.minLength(1), z.maxLength(GRANT_TYPES.length))),
  /** What registered clients are (default false: third-party, their sign-ins show the consent page). */
  first_party: z.optional(z.boolean()),
});

export const RotateSecret = z.strictObject({
  /** 0 revokes the previous secret at once (a leaked secret); at most 30 days. */
  overlap_seconds: z.optional(integerIn(0, 30 * 86_400)),
});

const personName = z.string().check(z.trim(), z.maxLength(100));
/** Role names: built-in owner/admin/user or the tenant's custom roles (checked in the write's transaction). */
export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
export const RoleName = z.string().check(
  z.regex(ROLE_NAME_PATTERN, {
    message: 'a role name is 1-40 characters of a-z, 0-9, "_" and "-", starting with a letter',
  }),
);
const roles = z.array(RoleName).check(
  z.maxLength(20),
  z.refine((list) => new Set(list).size === list.length, { message: 'roles must not repeat' }),
);
const email = z.email().check(z.maxLength(254), z.toLowerCase());
/** The tenant's own id for the person: printable, no spaces, unique in the tenant (step-up actions name users by it). */
const externalId = z.string().check(
  z.regex(/^[\x21-\x7e]{1,255}$/, { message: 'must be 1 to 255 printable characters' }),
  // Keyway's own ids (`sub`) are UUIDs: an external id never looks like one, so `userId` names one person only.
  z.refine((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id), {
    message: 'must not be a UUID (Keyway user ids are)',
  }),
);

export const CreateUser = z.strictObject({
  email,
  /** The administrator vouches for the address (default false). */
  email_verified: z.optional(z.boolean()),
  given_name: z.optional(personName),
  family_name: z.optional(personName),
  roles: z.optional(roles),
  external_id: z.optional(externalId),
  /** Email the user an invitation to set up a passkey (default true); false for accounts enrolled another way. */
  invite: z.optional(z.boolean()),
});

export const PatchUser = z.strictObject({
  email: z.optional(email),
  email_verified: z.optional(z.boolean()),
  given_name: z.optional(personName),
  family_name: z.optional(personName),
  roles: z.optional(roles),
  /** null removes it. */
  external_id: z.optional(z.nullable(externalId)),
  suspended: z.optional(z.boolean()),
});

export const CreateRole = z.strictObject({
  name: RoleName,
  description: z.optional(z.string().check(z.trim(), z.maxLength(200))),
});

const eventTypes = z.array(z.union([z.enum(EVENT_TYPES), z.literal('*')])).check(
  z.minLength(1),
  z.maxLength(EVENT_TYPES.length),
  z.refine((list) => new Set(list).size === list.length, { message: 'event types must not repeat' }),
  z.refine((list) => !list.includes('*') || list.length === 1, { message: '"*" stands alone: ["*"]' }),
);
const webhookUrl = z.string().check(z.minLength(1), z.maxLength(2048));
const webhookDescription = z.string().check(z.trim(), z.maxLength(200));

export const CreateWebhook = z.strictObject({
  /** https to a public address (local mode: also http://localhost); checked again at every delivery. */
  url: webhookUrl,
  events: eventTypes,
  enabled: z.optional(z.boolean()),
  description: z.optional(webhookDescription),
});

export const PatchWebhook = z.strictObject({
  url: z.optional(webhookUrl),
  events: z.optional(eventTypes),
  enabled: z.optional(z.boolean()),
  description: z.optional(webhookDescription),
});

export const RotateWebhookSecret = z.strictObject({
  /** Both secrets sign every delivery for this long (default 24 h); 0 drops the old one at once. At most 7 days. */
  overlap_seconds: z.optional(integerIn(0, 7 * 86_400)),
});

export const BulkReplay = z.strictObject({
  /** Failed deliveries of events created in [since, until) are attempted once more. */
  since: z.iso.datetime(),
  /** Default: now. */
  until: z.optional(z.iso.datetime()),
  /** Continue after this delivery (exclusive): `next_after` of a truncated call. */
  after: z.optional(z.string().check(z.regex(/^dlv_[0-9A-Z]{26}$/, { message: 'must be a delivery id (dlv_…)' }))),
});

/** Routes that take no parameters in their body accept none, or `{}`. */
export const NoBody = z.strictObject({});

/** The OpenID Connect scopes: the provider's own, never a resource server's. */
const OPENID_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** A resource server's identifier (RFC 8707 §2), as registered and as clients list it in `resources`. */
export const ResourceIdentifier = z.string().check(
  z.minLength(1),
  z.maxLength(2000),
  z.superRefine((identifier, ctx) => {
    const problem = resourceIdentifierProblem(identifier);
    if (problem) ctx.addIssue({ code: 'custom', message: `${identifier} ${problem}` });
  }),
);

/** Client metadata `resources`: the resource servers a client may ask tokens for (absent: any the tenant has). */
export const ClientResources = z.array(ResourceIdentifier).check(
  z.maxLength(20),
  z.refine((list) => new Set(list).size === list.length, { message: 'resources must not repeat' }),
);

const resourceScope = z.string().check(
  z.minLength(1),
  z.maxLength(100),
  z.regex(SCOPE_TOKEN, { message: 'a scope is printable ASCII without spaces, `"` or `\\` (RFC 6749 §3.3)' }),
  z.refine((scope) => !OPENID_SCOPES.includes(scope), {
    message: `${OPENID_SCOPES.join(', ')} are OpenID Connect scopes of the provider, not of a resource server`,
  }),
);

/**
 * Client metadata `token_exchange` (RFC 8693): the client may act for users, within these bounds. `scopes`: the most a
 * delegated token may carry (absent: what the subject token has); `resources`: other audiences it may ask for (absent:
 * only the subject token's); `max_lifetime`: seconds.
 */
export const TokenExchangePolicy = z.strictObject({
  scopes: z.optional(
    z
      .array(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(100),
            z.regex(SCOPE_TOKEN, { message: 'a scope is printable ASCII without spaces, `"` or `\\` (RFC 6749 §3.3)' }),
          ),
      )
      .check(
        z.maxLength(50),
        z.refine((list) => new Set(list).size === list.length, { message: 'scopes must not repeat' }),
      ),
  ),
  resources: z.optional(ClientResources),
  max_lifetime: z.optional(integerIn(60, 86_400)),
});

export const CreateResource = z.strictObject({
  identifier: ResourceIdentifier,
  name: displayName,
  /** The API scopes a token for this resource may carry; may be empty (the audience alone). */
  scopes: z.array(resourceScope).check(
    z.maxLength(50),
    z.refine((list) => new Set(list).size === list.length, { message: 'scopes must not repeat' }),
  ),
  /** Seconds; absent: the client's access_token_lifetime, else the tenant's. */
  access_token_lifetime: z.optional(integerIn(60, 86_400)),
  /** The confidential client of the tenant the resource server introspects as (RFC 7662 §2.1). */
  client_id: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/** POST {issuer}/init-auth: a step-up action for a known user (Authsignal's field names). */
export const InitAuth = z.strictObject({
  /** Keyway's `sub`, or the `external_id` the tenant stored on the user. */
  userId: z.string().check(z.minLength(1), z.maxLength(255)),
  action: z.string().check(z.regex(ACTION_NAME, { message: 'must be 1 to 64 of A-Z a-z 0-9 _ . : -' })),
  /** The client the flow must come from. */
  appId: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
  scope: z.optional(z.string().check(z.maxLength(1000))),
  custom: z.optional(CustomFields),
  redirectToSettings: z.optional(z.boolean()),
});
