import { createHash } from 'node:crypto';

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

  return {
    tableName: env.TABLE_NAME || 'keyway',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-west-2',
    baseUrl,
    adminKeySha256,
    signer,
    bodyLimitBytes,
  };
}
