import type { Node } from 'constructs';
import { z } from 'zod';
import { PLANS } from '../lambdas/core/store/tenants.ts';

/**
 * Deployment configuration, read once from CDK context (cdk.json, or `-c key=value` on the command line).
 * Every knob ops may turn lives here, validated, so a typo fails `cdk synth` instead of a deploy.
 */

const Throttle = z.strictObject({
  /** Steady-state requests per second, per tenant (per API key). */
  rate: z.number().positive(),
  /** Token-bucket size: how many requests a tenant may send at once above `rate`. */
  burst: z.number().int().positive(),
});

const Plan = z.strictObject({
  ...Throttle.shape,
  /** Requests per period per tenant; API Gateway answers 429 once it is used up. */
  quota: z.strictObject({
    limit: z.number().int().positive(),
    period: z.enum(['DAY', 'WEEK', 'MONTH']),
  }),
  /**
   * Per-route throttles that override the plan's rate/burst, keyed by route id from lambdas/routes.ts
   * (e.g. `token`, `authorize`). They apply to every method of that route except OPTIONS.
   */
  methods: z.record(z.string(), Throttle).default({}),
});
export type PlanConfig = z.infer<typeof Plan>;

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

const Waf = z.strictObject({
  enabled: z.boolean().default(true),
  /** Requests one IP may send in `windowSeconds` before WAF answers 429. */
  limitPerIp: z.number().int().min(10).default(3000),
  windowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]).default(300),
  /**
   * Route ids exempt from the per-IP rule: back-channel endpoints that relying-party servers call from a few
   * IPs at high volume. They stay bounded by client authentication and the tenant's usage plan.
   */
  exemptRouteIds: z.array(z.string()).default([]),
});
export type WafConfig = z.infer<typeof Waf>;

const Signing = z.strictObject({
  mode: z.literal('kms'),
  /** Generation that signs now. Each generation name is one KMS key with alias `alias/keyway/signing-{name}`. */
  current: z.string().regex(/^[a-z0-9-]{1,32}$/),
  /** Generations whose public keys stay in JWKS: the next one (before it signs) and the previous one. */
  published: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).default([]),
});
export type SigningConfig = z.infer<typeof Signing>;

export const KeywayConfigSchema = z.strictObject({
  /** Short region label → AWS region; one stack per entry (`Keyway-{label}`). */
  regions: z.record(z.string().regex(/^[a-z0-9]{1,8}$/), z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/)),
  signing: Signing,
  plans: z.record(z.enum(PLANS), Plan),
  waf: Waf.default({ enabled: true, limitPerIp: 3000, windowSeconds: 300, exemptRouteIds: [] }),
  /** Region label → custom domain; regions without an entry are served on the execute-api domain. */
  customDomains: z.record(z.string(), CustomDomain).default({}),
  /** Hex SHA-256 of the platform operator key; empty means the admin API refuses everyone. */
  adminKeySha256: z
    .string()
    .regex(/^([0-9a-f]{64})?$/i)
    .default(''),
  /** Optional SNS topic ARN per region label that alarms notify. */
  alarmTopicArns: z.record(z.string(), z.string().startsWith('arn:')).default({}),
});
export type KeywayConfig = z.infer<typeof KeywayConfigSchema>;

/** The context keys the config is read from (each top-level field of the schema is one key). */
export const CONTEXT_KEYS = Object.keys(KeywayConfigSchema.shape) as (keyof KeywayConfig)[];

/** Reads and validates every Keyway context key; values given with `-c` may be JSON strings. */
export function readConfig(node: Node): KeywayConfig {
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
  return parsed.data;
}
