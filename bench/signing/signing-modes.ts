/**
 * Bench child: local compute cost of the two cloud signing modes, with KMS answered in-process by a mock that
 * computes real RSA signatures (so every JWS produced verifies against the key's public half).
 *
 * - `kms` (lambdas/core/signer/kms-signer.ts): per signature, the AWS SDK builds a KMS Sign request, SigV4-signs
 *   it, and parses the answer. That is this process's cost; the RSA work happens inside KMS. The mock's own CPU
 *   (JSON, the RSA signature) is measured and subtracted, so what is left is what a Lambda would spend.
 * - `kms-envelope` (lambdas/core/signer/kms-envelope-signer.ts): one KMS Decrypt before the first signature of
 *   an execution environment, then every signature is RSA computed in this process.
 *
 * Not included (cannot be measured here): TLS and the network round trip to KMS, and KMS-side latency.
 */
import { constants, createPublicKey, type KeyObject, privateEncrypt, randomBytes, verify } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsEnvelopeSigner } from '../../lambdas/core/signer/kms-envelope-signer.ts';
import { KmsSigner } from '../../lambdas/core/signer/kms-signer.ts';
import { generateRsaKey } from '../../lambdas/core/signer/local-signer.ts';
import type { Signer } from '../../lambdas/core/signer/signer.ts';

const count = Number(process.argv[2] ?? 2000);
/** Enough calls for V8 to optimise the SDK's request path before measuring. */
const warmUp = Number(process.argv[3] ?? 1000);
const key = generateRsaKey();
const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): KMS signs `MessageType: DIGEST` like this. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const calls: Record<string, number> = {};
let mockCpuMicros = 0;

/** What KMS would do, in-process. Its CPU is accounted separately from the SDK's. */
function answerKms(target: string, input: Record<string, string>): Record<string, unknown> {
  calls[target] = (calls[target] ?? 0) + 1;
  switch (target) {
    case 'TrentService.GetPublicKey':
      return {
        KeyId: input.KeyId,
        PublicKey: spki.toString('base64'),
        KeySpec: 'RSA_2048',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
      };
    case 'TrentService.Sign': {
      const digest = Buffer.from(input.Message!, 'base64');
      const signature = privateEncrypt(
        { key, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, digest]),
      );
      return { KeyId: input.KeyId, Signature: signature.toString('base64'), SigningAlgorithm: input.SigningAlgorithm };
    }
    case 'TrentService.Decrypt':
      return { KeyId: 'wrapping-key', Plaintext: pkcs8.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    default:
      throw new Error(`unexpected KMS call ${target}`);
  }
}

interface SdkRequest {
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const kms = new KMSClient({
  region: 'us-west-2',
  credentials: { accessKeyId: 'AKIDBENCHMARK0000000', secretAccessKey: 'bench-secret-access-key' },
  maxAttempts: 1,
  requestHandler: {
    handle: async (request: SdkRequest) => {
      const c0 = process.cpuUsage();
      const raw = typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? []).toString('utf8');
      const out = answerKms(request.headers['x-amz-target'] ?? '', JSON.parse(raw) as Record<string, string>);
      const body = Buffer.from(JSON.stringify(out));
      const d = process.cpuUsage(c0);
      mockCpuMicros += d.user + d.system;
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(body.length) },
          body,
        },
      };
    },
  } as never,
});

const now = Math.floor(Date.now() / 1000);
/** Claims shaped like an access token's (see lambdas/core/oidc/token-minting.ts). */
const claims = {
  iss: 'https://id.example.com/acme',
  sub: '6f1c1f3e-9b1d-4a59-8f57-2b8c0c0f3d11',
  aud: 'app-8f2c1a',
  exp: now + 900,
  iat: now,
  nbf: now,
  jti: `${randomBytes(18).toString('hex')}.${randomBytes(12).toString('base64url')}`,
  client_id: 'app-8f2c1a',
  scope: 'openid profile email offline_access',
  tenant_id: 'acme',
  auth_time: now,
  roles: ['user'],
  email: 'ada@example.com',
};

function checkSignature(jws: string, publicKey: KeyObject): void {
  const [h, p, s] = jws.split('.');
  if (!verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url')))
    throw new Error('a produced JWS does not verify');
}

async function measure(signer: Signer) {
  const publicKey = createPublicKey(key);
  for (let i = 0; i < warmUp; i++) checkSignature(await signer.sign({ typ: 'at+jwt' }, claims), publicKey);
  const mock0 = mockCpuMicros;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await signer.sign({ typ: 'at+jwt' }, claims);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const totalMs = (cpu.user + cpu.system) / 1000;
  const mockMs = (mockCpuMicros - mock0) / 1000;
  return {
    signatures: count,
    localCpuMsPerSignature: (totalMs - mockMs) / count,
    mockKmsCpuMsPerSignature: mockMs / count,
    wallMsPerSignature: wallMs / count,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; cpuMs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const m0 = mockCpuMicros;
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { value, cpuMs: (cpu.user + cpu.system - (mockCpuMicros - m0)) / 1000, wallMs };
}

/** Cold cost: creating the signer and its first signature (which, for envelope mode, includes the Decrypt). */
async function coldStart(create: () => Promise<Signer>) {
  const created = await timed(create);
  const first = await timed(() => created.value.sign({ typ: 'at+jwt' }, claims));
  return { signer: created.value, initCpuMs: created.cpuMs + first.cpuMs };
}

try {
  const kmsCold = await coldStart(() => KmsSigner.create(kms, 'alias/keyway-signing'));
  const kmsResult = await measure(kmsCold.signer);
  const envCold = await coldStart(() =>
    KmsEnvelopeSigner.create(async () => kms, { ciphertext: randomBytes(1200), publicKey: new Uint8Array(spki) }),
  );
  const envResult = await measure(envCold.signer);
  process.send?.({
    type: 'result',
    result: {
      kms: { ...kmsResult, initCpuMs: kmsCold.initCpuMs, initKmsCalls: 'GetPublicKey ×1' },
      kmsEnvelope: { ...envResult, initCpuMs: envCold.initCpuMs, initKmsCalls: 'Decrypt ×1' },
      kmsCalls: calls,
    },
  });
} catch (error) {
  process.send?.({ type: 'fatal', error: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
}
