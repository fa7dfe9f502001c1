import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type RateLimitPlans, RateLimitPlansSchema } from './rate-limit/policies.ts';

/**
 * Configuration, parsed once per process from the environment. Defaults sit next to what they mean.
 * In AWS the CDK stack sets these on every function; in local mode local/main.ts sets them before handlers load.
 */
export type SignerMode = 'local' | 'kms' | 'kms-envelope';

export interface Config {
  /** DynamoDB table holding every entity (single-table design). TABLE_NAME, default `keyway`. */
  readonly tableName: string;
  /** Override endpoint for DynamoDB Local, LocalStack, ... DYNAMODB_ENDPOINT, default: the AWS regional endpoint. */
  readonly dynamodbEndpoint: string | undefined;
  readonly region: string;
  /**
   * Public base URL; a tenant's issuer is `${baseUrl}/${tenantId}`. BASE_URL; set it when a custom domain
   * fronts the API. Unset (cloud only), it is API Gateway's own `https://{domainName}/{stage}` from the request
   * context, which callers cannot influence.
   */
  readonly baseUrl: string | undefined;
  /** SHA-256 (hex) of the platform operator key: KEYWAY_ADMIN_KEY_SHA256, or derived from KEYWAY_ADMIN_KEY. */
  readonly adminKeySha256: string | undefined;
  readonly signer: SignerConfig;
  /** Largest request body accepted, in bytes. BODY_LIMIT_BYTES, default 64 KiB. */
  readonly bodyLimitBytes: number;
  readonly webhooks: WebhookConfig;
  readonly clientIdMetadataDocuments: ClientIdMetadataDocumentConfig;
  /**
   * The event feed serves only events older than this (EVENT_FEED_SETTLE_SECONDS, default 30): longer than any
   * transaction takes to commit after its event id was drawn (functions time out after 10 s) plus clock skew
   * between Lambdas, so an event can never commit below a position a reader has already passed.
   */
  readonly eventFeedSettleMs: number;
  readonly rateLimits: RateLimitConfig;
  readonly email: EmailConfig;
}

export interface EmailConfig {
  /**
   * EMAIL_FROM: the sender address (`Name <no-reply@example.com>` or a bare address) of a verified SES identity; set
   * by the stack on the functions that send email. Unset in local mode, which uses the dev mailbox.
   */
  readonly from: string | undefined;
  /** EMAIL_CONFIGURATION_SET: the SES configuration set (bounce and complaint events); optional. */
  readonly configurationSet: string | undefined;
}

export interface RateLimitConfig {
  /** RATE_LIMITS: `on` (default) or `off` (no counting, no headers; for benchmarks and tests that flood on purpose). */
  readonly enabled: boolean;
  /**
   * RATE_LIMIT_PLANS: JSON of core/rate-limit/policies.ts `RateLimitPlans`, derived from cdk.json `plans` (set by the
   * stack on every tenant-scoped function, and by local mode). Unset: no plan is limited.
   */
  readonly plans: RateLimitPlans;
}

export interface WebhookConfig {
  /** WEBHOOK_SECRET_KEY_ID: the KMS HMAC key webhook secrets are derived with (AWS); unset in local mode. */
  readonly secretKeyId: string | undefined;
  /**
   * WEBHOOK_URL_POLICY: `aws` (default) allows only https to public addresses; `local` (set by local mode) also
   * http://localhost and 127.0.0.1.
   */
  readonly urlPolicy: 'aws' | 'local';
  /**
   * WEBHOOK_RETRY_SCHEDULE: comma-separated waits with units (`0s,5s,5m,30m,2h,5h,10h,10h`, the default, Svix's
   * schedule). The first attempt is immediate (the first entry is `0s`); each further entry is the wait before the
   * next retry. Its length is the number of attempts.
   */
  readonly retryScheduleMs: readonly number[];
  /** WEBHOOK_QUEUE_URL / WEBHOOK_DEAD_LETTER_QUEUE_URL: the dispatcher's SQS queues (AWS). */
  readonly queueUrl: string | undefined;
  readonly deadLetterQueueUrl: string | undefined;
}

/** Fetching Client ID Metadata Documents (core/oidc/client-metadata-documents.ts), for tenants that accept them. */
export interface ClientIdMetadataDocumentConfig {
  /**
   * CIMD_URL_POLICY: `aws` (default) fetches only https URLs of public addresses; `local` (set by local mode) also
   * http(s) on localhost, 127.0.0.1 and [::1], so a client can be developed on the same machine.
   */
  readonly urlPolicy: 'aws' | 'local';
  /** CIMD_FETCH_TIMEOUT_MS: one deadline for DNS, connect and the whole response; default 3000. */
  readonly fetchTimeoutMs: number;
}

export const DEFAULT_RETRY_SCHEDULE = '0s,5s,5m,30m,2h,5h,10h,10h';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `0s,1s,2s` → [0, 1000, 2000]; at least one attempt, each wait at most a day. */
export function parseRetrySchedule(value: string): number[] {
  const waits = value.split(',').map((part) => {
    const m = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(part);
    if (!m) throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE: "${part}" is not a duration like 5s, 5m or 2h`);
    const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
    if (ms > 86_400_000) throw new ConfigError('WEBHOOK_RETRY_SCHEDULE: a wait is at most 24h');
    return ms;
  });
  if (waits.length > 20) throw new ConfigError('WEBHOOK_RETRY_SCHEDULE: at most 20 attempts');
  if (waits[0] !== 0) throw new ConfigError('WEBHOOK_RETRY_SCHEDULE: the first attempt is immediate, start with 0s');
  // A retry is enqueued just before its attempt is recorded; a wait of 0 could deliver it in between (as stale).
  if (waits.slice(1).some((w) => w === 0))
    throw new ConfigError('WEBHOOK_RETRY_SCHEDULE: every wait after the first must be longer than 0');
  return waits;
}

export type SignerConfig =
  | { readonly mode: 'local'; readonly keyDir: string | undefined }
  | { readonly mode: 'kms'; readonly keyId: string; readonly publishedKeyIds: readonly string[] }
  | {
      readonly mode: 'kms-envelope';
      /** SIGNING_KEY_CIPHERTEXT: base64 PrivateKeyCiphertextBlob (scripts/generate-envelope-key.ts). */
      readonly ciphertext: Uint8Array;
      /** SIGNING_PUBLIC_KEY: base64 DER SPKI of the same key pair; JWKS and verification need no KMS call. */
      readonly publicKey: Uint8Array;
      /** SIGNING_KEY_WRAPPING_KEY_ID: the symmetric KMS key Decrypt must use; optional (the blob names it). */
      readonly wrappingKeyId: string | undefined;
      /** SIGNING_PUBLISHED_PUBLIC_KEYS: comma-separated base64 DER SPKI of next/previous keys, for rotation. */
      readonly publishedPublicKeys: readonly Uint8Array[];
    };

export class ConfigError extends Error {}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`Missing required environment variable ${name}`);
  return value;
}

function base64(name: string, value: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new ConfigError(`${name} must be base64 (standard alphabet, padded, no whitespace)`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const baseUrl = env.BASE_URL ? env.BASE_URL.replace(/\/+$/, '') : undefined;
  if (baseUrl && !URL.canParse(baseUrl)) throw new ConfigError(`BASE_URL is not a URL: ${baseUrl}`);
  const mode = (env.SIGNER_MODE ?? 'local') as SignerMode;
  let signer: SignerConfig;
  if (mode === 'local') signer = { mode, keyDir: env.LOCAL_KEY_DIR || undefined };
  else if (mode === 'kms')
    signer = { mode, keyId: required(env, 'SIGNING_KEY_ID'), publishedKeyIds: list(env.SIGNING_PUBLISHED_KEY_IDS) };
  else if (mode === 'kms-envelope')
    signer = {
      mode,
      ciphertext: base64('SIGNING_KEY_CIPHERTEXT', required(env, 'SIGNING_KEY_CIPHERTEXT')),
      publicKey: base64('SIGNING_PUBLIC_KEY', required(env, 'SIGNING_PUBLIC_KEY')),
      wrappingKeyId: env.SIGNING_KEY_WRAPPING_KEY_ID || undefined,
      publishedPublicKeys: list(env.SIGNING_PUBLISHED_PUBLIC_KEYS).map((k) =>
        base64('SIGNING_PUBLISHED_PUBLIC_KEYS', k),
      ),
    };
  else throw new ConfigError(`SIGNER_MODE must be local, kms or kms-envelope, not ${mode}`);

  const adminKey = env.KEYWAY_ADMIN_KEY;
  const adminKeySha256 =
    env.KEYWAY_ADMIN_KEY_SHA256?.toLowerCase() ||
    (adminKey ? createHash('sha256').update(adminKey).digest('hex') : undefined);

  const bodyLimitBytes = Number(env.BODY_LIMIT_BYTES ?? 64 * 1024);
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes <= 0) throw new ConfigError('BODY_LIMIT_BYTES must be > 0');

  const urlPolicy = env.WEBHOOK_URL_POLICY ?? 'aws';
  if (urlPolicy !== 'aws' && urlPolicy !== 'local') throw new ConfigError('WEBHOOK_URL_POLICY must be aws or local');
  const cimdPolicy = env.CIMD_URL_POLICY ?? 'aws';
  if (cimdPolicy !== 'aws' && cimdPolicy !== 'local') throw new ConfigError('CIMD_URL_POLICY must be aws or local');
  const cimdTimeoutMs = Number(env.CIMD_FETCH_TIMEOUT_MS ?? 3000);
  if (!Number.isInteger(cimdTimeoutMs) || cimdTimeoutMs <= 0 || cimdTimeoutMs > 10_000)
    throw new ConfigError('CIMD_FETCH_TIMEOUT_MS must be a whole number of milliseconds, at most 10000');
  const settleSeconds = Number(env.EVENT_FEED_SETTLE_SECONDS ?? 30);
  if (!Number.isFinite(settleSeconds) || settleSeconds < 0)
    throw new ConfigError('EVENT_FEED_SETTLE_SECONDS must be a number of seconds >= 0');

  const rateLimits = env.RATE_LIMITS ?? 'on';
  if (rateLimits !== 'on' && rateLimits !== 'off') throw new ConfigError('RATE_LIMITS must be on or off');

  return {
    tableName: env.TABLE_NAME || 'keyway',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-west-2',
    baseUrl,
    adminKeySha256,
    signer,
    bodyLimitBytes,
    webhooks: {
      secretKeyId: env.WEBHOOK_SECRET_KEY_ID || undefined,
      urlPolicy,
      retryScheduleMs: parseRetrySchedule(env.WEBHOOK_RETRY_SCHEDULE || DEFAULT_RETRY_SCHEDULE),
      queueUrl: env.WEBHOOK_QUEUE_URL || undefined,
      deadLetterQueueUrl: env.WEBHOOK_DEAD_LETTER_QUEUE_URL || undefined,
    },
    clientIdMetadataDocuments: { urlPolicy: cimdPolicy, fetchTimeoutMs: cimdTimeoutMs },
    eventFeedSettleMs: settleSeconds * 1000,
    rateLimits: { enabled: rateLimits === 'on', plans: parseRateLimitPlans(env.RATE_LIMIT_PLANS) },
    email: { from: env.EMAIL_FROM || undefined, configurationSet: env.EMAIL_CONFIGURATION_SET || undefined },
  };
}

function parseRateLimitPlans(value: string | undefined): RateLimitPlans {
  if (!value) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new ConfigError('RATE_LIMIT_PLANS is not JSON');
  }
  const parsed = RateLimitPlansSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`RATE_LIMIT_PLANS: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
