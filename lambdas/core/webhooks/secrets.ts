import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getConfig } from '../runtime-config.ts';

/**
 * Webhook signing secrets are derived, never stored: `HMAC(region key, tenant | webhook | salt)`. The salt on the
 * subscription is random and not secret; the key is a KMS HMAC key (GenerateMac) in AWS, which only the dispatcher and
 * the webhook admin functions may use, and a 32-byte file in DATA_DIR locally. A table dump therefore holds no
 * secret that could sign a delivery, in line with "secrets stored only as hashes"; rotating means a new salt.
 */
export interface SecretKey {
  mac(message: Uint8Array): Promise<Uint8Array>;
}

const PREFIX = 'whsec_';

class LocalSecretKey implements SecretKey {
  constructor(private readonly key: Buffer) {}
  async mac(message: Uint8Array): Promise<Uint8Array> {
    return createHmac('sha256', this.key).update(message).digest();
  }
}

async function localKey(keyDir: string | undefined): Promise<SecretKey> {
  if (!keyDir) return new LocalSecretKey(randomBytes(32));
  const file = join(keyDir, 'webhook-secret-key');
  try {
    return new LocalSecretKey(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(keyDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    },
  );
  return new LocalSecretKey(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
}

async function kmsKey(keyId: string, region: string): Promise<SecretKey> {
  const { KMSClient, GenerateMacCommand } = await import('@aws-sdk/client-kms');
  const kms = new KMSClient({ region });
  return {
    async mac(message) {
      const out = await kms.send(
        new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: message }),
      );
      if (!out.Mac) throw new Error('GenerateMac returned no MAC');
      return out.Mac;
    },
  };
}

let key: Promise<SecretKey> | undefined;

function secretKey(): Promise<SecretKey> {
  key ??= (async () => {
    const config = getConfig();
    const w = config.webhooks;
    if (w.secretKeyId) return kmsKey(w.secretKeyId, config.region);
    if (config.signer.mode !== 'local')
      throw new Error('WEBHOOK_SECRET_KEY_ID is not set: webhook secrets need the region key outside local mode');
    return localKey(config.signer.keyDir);
  })().catch((error) => {
    key = undefined;
    throw error;
  });
  return key;
}

/** For tests and the local server. */
export function overrideSecretKey(replacement: SecretKey): void {
  key = Promise.resolve(replacement);
  cache.clear();
}

/** Derived secrets are cached per process: one MAC call per (subscription, salt) in a warm dispatcher. */
const cache = new Map<string, string>();

/** The subscription's Standard Webhooks secret: `whsec_` + base64 of 32 bytes. */
export async function signingSecret(tenantId: string, webhookId: string, salt: string): Promise<string> {
  const id = `${tenantId}|${webhookId}|${salt}`;
  const cached = cache.get(id);
  if (cached) return cached;
  const mac = await (await secretKey()).mac(new TextEncoder().encode(`keyway-webhook-secret/v1|${id}`));
  const secret = `${PREFIX}${Buffer.from(mac).toString('base64')}`;
  if (cache.size > 10_000) cache.clear();
  cache.set(id, secret);
  return secret;
}

export function newSecretSalt(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Standard Webhooks signature header value: `v1,{base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"}` keyed with the
 * secret's decoded bytes, one per secret, space-separated (both during a rotation's overlap).
 */
export function signatureHeader(id: string, timestamp: number, body: string, secrets: readonly string[]): string {
  return secrets
    .map((secret) => {
      const keyBytes = Buffer.from(secret.slice(PREFIX.length), 'base64');
      return `v1,${createHmac('sha256', keyBytes).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
