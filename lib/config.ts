import type { Node } from 'constructs';
import { z } from 'zod';
import { SourceLimitSchema } from '../lambdas/core/rate-limit/policies.ts';
import { PLANS } from '../lambdas/core/store/tenants.ts';
import { isTenantScoped, type Route, routes } from '../lambdas/routes.ts';

/**
 * Deployment configuration, read once from CDK context (cdk.json, or `-c key=value` on the command line).
 * Every knob ops may turn lives here, validated, so a typo fails `cdk synth` instead of a deploy.
 */

/** An API Gateway token bucket: what it counts (one tenant, or every caller of a method) is up to where it is used. */
const Throttle = z.strictObject({
  /** Steady-state requests per second. */
  rate: z.number().positive(),
  /** Token-bucket size: how many requests may arrive at once above `rate`. */
  burst: z.number().int().positive(),
});
export type ThrottleConfig = z.infer<typeof Throttle>;

/**
 * One plan, the single definition of its limits: API Gateway's usage plan is built from it (lib/usage-plans.ts) and
 * so is the application rate limiter's RATE_LIMIT_PLANS (lib/api.ts, lambdas/core/rate-limit/policies.ts).
 */
const Plan = z.strictObject({
  /** Per tenant, every route together (`rate` and `burst`; the limiter counts `rate` per second). */
  ...Throttle.shape,
  /** Requests per period per tenant; API Gateway answers 429 once it is used up. */
  quota: z.strictObject({
    limit: z.number().int().positive(),
    period: z.enum(['DAY', 'WEEK', 'MONTH']),
  }),
  /**
   * Per-route limits per tenant that override the plan's rate/burst, keyed by tenant-scoped route id from
   * lambdas/routes.ts (e.g. `token`, `authorize`). They apply to every method of that route except OPTIONS.
   */
  methods: z.record(z.string(), Throttle).default({}),
  /**
   * Per-route limits per request source (one IP, or one client_id) within a tenant, keyed by tenant-scoped route id;
   * only the application limiter enforces them (API Gateway cannot key by either).
   */
  perSource: z.record(z.string(), SourceLimitSchema).default({}),
});
export type PlanConfig = z.infer<typeof Plan>;

/**
 * Stage method throttles: API Gateway applies each to every method it covers separately, counting all callers (all
 * tenants) of that method together, after the usage plan's per-tenant limits; the stricter one refuses first.
 */
const Throttling = z.strictObject({
  /** Every method without a throttle of its own below: the tenant-scoped methods except OPTIONS. */
  stage: Throttle.default({ rate: 2000, burst: 1000 }),
  /** Each method of a route outside the usage plans (the admin API, its OpenAPI document included). */
  management: Throttle.default({ rate: 5, burst: 10 }),
  /** Each OPTIONS method of a tenant-scoped route: CORS preflights, which browsers cache (Access-Control-Max-Age). */
  preflight: Throttle.default({ rate: 500, burst: 250 }),
});
export type ThrottlingConfig = z.infer<typeof Throttling>;

/** Reserved concurrent executions of the usage-plan provisioner (lib/api-key-provisioner.ts): one at a time. */
export const PROVISIONER_RESERVED_CONCURRENCY = 1;
/** Lambda keeps at least this many of an account's concurrent executions unreserved. */
const MIN_UNRESERVED_CONCURRENCY = 100;

const Concurrency = z.strictObject({
  /**
   * Reserved concurrent executions by function: `authorizer` (the tenant authorizer) or a route id of
   * lambdas/routes.ts. A reservation is both the function's guarantee and its cap; a function left out is unreserved.
   */
  reserved: z
    .record(
      z.string(),
      z
        .number()
        .int()
        .min(1, 'a reservation of 0 would refuse every invocation; leave the function out to keep it unreserved'),
    )
    .default({}),
  /**
   * The Lambda concurrent-executions quota of the account in every deployed region (the lowest, if they differ):
   * synth refuses reservations that would leave fewer than 100 of it unreserved, as Lambda would at deploy.
   */
  accountLimit: z.number().int().min(1).default(1000),
});
export type ConcurrencyConfig = z.infer<typeof Concurrency>;

const CustomDomain = z.strictObject({
  /** e.g. `id.eu.example.com`; issuers become `https://{domainName}/{tenantId}`. */
  domainName: z.string().min(3),
  /** ACM certificate in the stack's own region (regional endpoint). */
  certificateArn: z.string().startsWith('arn:'),
  /** When set with hostedZoneName, an alias A record is created in this Route 53 zone. */
  hostedZoneId: z.string().optional(),
  hostedZoneName: z.string().optional(),
});
export type CustomDomainConfig = z.infer<typeof CustomDomain>;

/** An address's domain: lower-case DNS labels (SES identity names and IAM resource ARNs compare case-sensitively). */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** The local part of an address: RFC 5322 dot-atom (no quoted local parts). */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

function isAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at > 0 && LOCAL_PART.test(value.slice(0, at)) && DOMAIN.test(value.slice(at + 1));
}

/** SES sends from an address of a verified domain or any of its subdomains, or from a verified address. */
function coveredBy(address: string, identity: string): boolean {
  if (identity.includes('@')) return address === identity;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return domain === identity || domain.endsWith(`.${identity}`);
}

/**
 * The bare address of an SES sender, `Keyway <no-reply@example.com>` or `no-reply@example.com`: what SES sends from
 * and IAM compares as `ses:FromAddress`. Undefined when `from` is neither form.
 */
export function senderAddress(from: string): string | undefined {
  const match = /^(?:([^<>]*?)\s*<([^<>\s]+)>|([^<>\s]+))$/.exec(from);
  const address = match?.[2] ?? match?.[3];
  return address && isAddress(address) ? address : undefined;
}

/**
 * One region's email sender: the SES identity the functions with `access.email` (lambdas/routes.ts) send from. The
 * identity must be verified in that region (docs/DEPLOY.md, email); the functions may send only from `from`.
 */
const EmailSender = z
  .strictObject({
    /**
     * FromEmailAddress: `Display Name <address>` or a bare address. A display name is printable ASCII (a non-ASCII
     * one must be MIME encoded-word, `=?UTF-8?B?…?=`, as SES requires).
     */
    from: z.string(),
    /** The verified SES identity that covers `from`: its domain (`example.com`) or the address itself. */
    identity: z.string().refine((v) => DOMAIN.test(v) || isAddress(v), 'must be a lower-case domain or an address'),
    /**
     * A configuration set every message is sent with (its event destinations see bounces and complaints).
     * @default - none (the identity must then have no default configuration set: the grant would not cover it)
     */
    configurationSet: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'up to 64 letters, digits, "-" and "_"')
      .optional(),
    /**
     * Create `configurationSet` in the regional stack (reputation metrics, suppression of bounces and complaints)
     * instead of referring to one made outside it.
     */
    createConfigurationSet: z.boolean().default(false),
  })
  .superRefine((sender, ctx) => {
    const address = senderAddress(sender.from);
    const name = /^([^<>]*?)\s*</.exec(sender.from)?.[1] ?? '';
    if (!address)
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'must be "Display Name <address>" or a bare address, the domain in lower case',
      });
    else if (!/^[\x20-\x7e]*$/.test(name))
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'the display name must be printable ASCII (MIME encoded-word, =?UTF-8?B?…?=, for any other)',
      });
    else if ((DOMAIN.test(sender.identity) || isAddress(sender.identity)) && !coveredBy(address, sender.identity))
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `${address} is not covered by the identity ${sender.identity}: SES would refuse to send from it`,
      });
    if (sender.createConfigurationSet && !sender.configurationSet)
      ctx.addIssue({
        code: 'custom',
        path: ['createConfigurationSet'],
        message: 'needs configurationSet, the name of the set to create',
      });
  });
export type EmailSenderConfig = z.infer<typeof EmailSender>;

const Waf = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Requests one IP may send in `windowSeconds` before WAF answers 429 (every route but the back channel). */
    limitPerIp: z.number().int().min(10).default(3000),
    windowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]).default(300),
    /**
     * Back-channel routes (ids in lambdas/routes.ts) that relying-party servers call from a few IPs at high volume:
     * counted by a per-IP rule of their own with `backChannelLimitPerIp`, never exempt. An unknown id is an error.
     */
    backChannelRouteIds: z.array(z.string()).default(['token', 'revoke', 'introspect']),
    /** @default 10 × limitPerIp */
    backChannelLimitPerIp: z.number().int().min(10).optional(),
    /** Replaced by backChannelRouteIds; refused with that message rather than silently ignored. */
    exemptRouteIds: z.unknown().optional(),
  })
  .superRefine((waf, ctx) => {
    if (waf.exemptRouteIds !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['exemptRouteIds'],
        message:
          'waf.exemptRouteIds is gone: list those routes in waf.backChannelRouteIds, which gives them their own per-IP limit (waf.backChannelLimitPerIp) instead of none',
      });
  });
export type WafConfig = z.infer<typeof Waf>;

const Generation = z.string().regex(/^[a-z0-9-]{1,32}$/);
const Base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be padded base64');

/** `kms` (default): every signature is a KMS Sign call on an RSA_2048 key; the private key never leaves KMS. */
const KmsSigning = z.strictObject({
  mode: z.literal('kms'),
  /** Generation that signs now. Each generation name is one KMS key with alias `alias/keyway/signing-{name}`. */
  current: Generation,
  /** Generations whose public keys stay in JWKS: the next one (before it signs) and the previous one. */
  published: z.array(Generation).default([]),
  /**
   * Also create each region's kms-envelope wrapping key, so envelope keys can be generated before switching
   * `mode` to `kms-envelope` (docs/SIGNING.md). Signing is unaffected.
   */
  envelopeWrappingKey: z.boolean().default(false),
});

/** One envelope generation in one region, as scripts/generate-envelope-key.ts prints it. */
const EnvelopeKey = z.strictObject({
  /**
   * Base64 PrivateKeyCiphertextBlob, wrapped by this region's wrapping key. Not a secret: only kms:Decrypt on that
   * key, which only signing functions have, turns it into a private key. Optional for a generation that is only
   * published (a previous key whose private half is no longer needed).
   */
  ciphertext: Base64.optional(),
  /** Base64 DER SubjectPublicKeyInfo of the same key pair; JWKS is served from it. */
  publicKey: Base64,
});
export type EnvelopeKeyConfig = z.infer<typeof EnvelopeKey>;

/**
 * `kms-envelope`: an RSA key pair generated by KMS, its private half stored only wrapped by a per-region KMS
 * symmetric key and unwrapped by one Decrypt per Lambda execution environment; signatures are computed in memory.
 */
const EnvelopeSigning = z.strictObject({
  mode: z.literal('kms-envelope'),
  /** Generation that signs now; `keys.{label}.{current}` must have a ciphertext for every region. */
  current: Generation,
  /** Generations whose public keys stay in JWKS besides the current one (next and previous). */
  published: z.array(Generation).default([]),
  /** Region label → generation → key. Each region has its own wrapping key, hence its own ciphertexts. */
  keys: z.record(z.string(), z.record(Generation, EnvelopeKey)).default({}),
});

/** Signing mode per deployment; `mode` may be left out and is then `kms`. */
const Signing = z.preprocess(
  (value) =>
    value && typeof value === 'object' && !Array.isArray(value) && !('mode' in value)
      ? { ...value, mode: 'kms' }
      : value,
  z.discriminatedUnion('mode', [KmsSigning, EnvelopeSigning]),
);
export type SigningConfig = z.infer<typeof Signing>;
export type EnvelopeSigningConfig = z.infer<typeof EnvelopeSigning>;

export const KeywayConfigSchema = z.strictObject({
  /** Short region label → AWS region; one stack per entry (`Keyway-{label}`). */
  regions: z.record(z.string().regex(/^[a-z0-9]{1,8}$/), z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/)),
  signing: Signing,
  plans: z.record(z.enum(PLANS), Plan),
  waf: Waf.default({
    enabled: true,
    limitPerIp: 3000,
    windowSeconds: 300,
    backChannelRouteIds: ['token', 'revoke', 'introspect'],
  }),
  /** Region label → custom domain; regions without an entry are served on the execute-api domain. */
  customDomains: z.record(z.string(), CustomDomain).default({}),
  /** Hex SHA-256 of the platform operator key; empty means the admin API refuses everyone. */
  adminKeySha256: z
    .string()
    .regex(/^([0-9a-f]{64})?$/i)
    .default(''),
  /**
   * Region label → email sender (SES). Required for every region as soon as a route has `access.email`; a label that
   * is not in `regions` is ignored.
   */
  email: z.record(z.string(), EmailSender).default({}),
  /** Optional SNS topic ARN per region label that alarms notify. */
  alarmTopicArns: z.record(z.string(), z.string().startsWith('arn:')).default({}),
  throttling: Throttling.prefault({}),
  concurrency: Concurrency.prefault({}),
});
export type KeywayConfig = z.infer<typeof KeywayConfigSchema>;

/** The context keys the config is read from (each top-level field of the schema is one key). */
export const CONTEXT_KEYS = Object.keys(KeywayConfigSchema.shape) as (keyof KeywayConfig)[];

/**
 * Reads and validates every Keyway context key, route ids against `routeTable` (the one in lambdas/routes.ts);
 * values given with `-c` may be JSON strings.
 */
export function readConfig(node: Node, routeTable: readonly Route[] = routes): KeywayConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined) continue;
    raw[key] = typeof value === 'string' && /^[[{]/.test(value.trim()) ? JSON.parse(value) : value;
  }
  const parsed = KeywayConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid Keyway context (cdk.json):\n${z.prettifyError(parsed.error)}`);
  for (const plan of PLANS) {
    if (!parsed.data.plans[plan]) throw new Error(`Invalid Keyway context (cdk.json): plans.${plan} is missing`);
  }
  const problems = [
    ...missingEnvelopeKeys(parsed.data),
    ...routeIdProblems(parsed.data, routeTable),
    ...unreachableOverrides(parsed.data),
    ...reservationProblems(parsed.data),
    ...missingEmailSenders(parsed.data, routeTable),
  ];
  if (problems.length > 0) throw new Error(`Invalid Keyway context (cdk.json):\n${problems.join('\n')}`);
  return parsed.data;
}

/**
 * The one check of the route ids the context names: each must be a route of `routeTable`, and a tenant-scoped one
 * where the setting acts through the usage plans or the application limiter (only those routes have either).
 */
function routeIdProblems(config: KeywayConfig, routeTable: readonly Route[]): string[] {
  const problems: string[] = [];
  const check = (key: string, ids: Iterable<string>, tenantScopedOnly: boolean, alsoAccepted?: string) => {
    for (const id of ids) {
      if (id === alsoAccepted) continue;
      const route = routeTable.find((r) => r.id === id);
      if (!route)
        problems.push(
          `✖ ${key}: "${id}" is not a route id of lambdas/routes.ts${alsoAccepted ? ` (nor "${alsoAccepted}")` : ''}`,
        );
      else if (tenantScopedOnly && !isTenantScoped(route))
        problems.push(
          `✖ ${key}: "${id}" is not a tenant-scoped route (${route.path} is in no usage plan and not rate-limited per tenant)`,
        );
    }
  };
  check('waf.backChannelRouteIds', config.waf.backChannelRouteIds, false);
  for (const [plan, definition] of Object.entries(config.plans)) {
    check(`plans.${plan}.methods`, Object.keys(definition.methods), true);
    check(`plans.${plan}.perSource`, Object.keys(definition.perSource), true);
  }
  check('concurrency.reserved', Object.keys(config.concurrency.reserved), false, 'authorizer');
  return problems;
}

/**
 * A plan's per-route override is per tenant, the stage throttle covers all tenants of the same method: an override
 * above the stage's could never be reached, which is a mistake in one of the two.
 */
function unreachableOverrides(config: KeywayConfig): string[] {
  const stage = config.throttling.stage;
  const problems: string[] = [];
  for (const [plan, definition] of Object.entries(config.plans)) {
    for (const [routeId, t] of Object.entries(definition.methods)) {
      if (t.rate > stage.rate || t.burst > stage.burst)
        problems.push(
          `✖ plans.${plan}.methods.${routeId} (rate ${t.rate}, burst ${t.burst}) exceeds throttling.stage ` +
            `(rate ${stage.rate}, burst ${stage.burst}), which limits every tenant of that method together`,
        );
    }
  }
  return problems;
}

/** Lambda refuses a reservation that leaves fewer than 100 executions of the account unreserved. */
function reservationProblems(config: KeywayConfig): string[] {
  const { reserved, accountLimit } = config.concurrency;
  const total = Object.values(reserved).reduce((sum, n) => sum + n, PROVISIONER_RESERVED_CONCURRENCY);
  if (total <= accountLimit - MIN_UNRESERVED_CONCURRENCY) return [];
  return [
    `✖ concurrency.reserved: ${total} reserved executions (with the usage-plan provisioner's ${PROVISIONER_RESERVED_CONCURRENCY}) ` +
      `leave fewer than ${MIN_UNRESERVED_CONCURRENCY} of concurrency.accountLimit ${accountLimit} unreserved; ` +
      'Lambda would refuse the deploy (raise the quota in Service Quotas, then accountLimit, or reserve less)',
  ];
}

/** A region whose stack has a route that sends email needs a sender, or that route could never send. */
function missingEmailSenders(config: KeywayConfig, routeTable: readonly Route[]): string[] {
  const senders = routeTable.filter((r) => r.access.email).map((r) => r.id);
  if (senders.length === 0) return [];
  return Object.keys(config.regions)
    .filter((label) => !config.email[label])
    .map(
      (label) =>
        `✖ email.${label} is missing: the routes ${senders.join(', ')} send email (access.email), so each region ` +
        'needs its SES sender, { "from": "Name <address>", "identity": "domain or address" } (docs/DEPLOY.md, email)',
    );
}

/**
 * In kms-envelope mode every region needs the current generation with its ciphertext, and the public key of each
 * published generation. Returns one line per gap, each saying how to fill it.
 */
export function missingEnvelopeKeys(config: KeywayConfig): string[] {
  const { signing } = config;
  if (signing.mode !== 'kms-envelope') return [];
  const problems: string[] = [];
  for (const [label, region] of Object.entries(config.regions)) {
    const keys = signing.keys[label] ?? {};
    const generate = (generation: string) =>
      `npx tsx scripts/generate-envelope-key.ts --region ${region} --label ${label} --generation ${generation}`;
    if (!keys[signing.current]?.ciphertext)
      problems.push(
        `✖ signing.keys.${label}.${signing.current} needs a ciphertext and publicKey: run \`${generate(signing.current)}\` ` +
          '(the wrapping key must be deployed first; see docs/SIGNING.md)',
      );
    for (const generation of signing.published) {
      if (!keys[generation]) problems.push(`✖ signing.keys.${label}.${generation} is published but has no publicKey`);
    }
  }
  return problems;
}
