/**
 * Generates the RSA signing key of one `kms-envelope` generation for one region (docs/SIGNING.md):
 *
 *   npx tsx scripts/generate-envelope-key.ts --region us-west-2 --label us --generation e1
 *
 * KMS GenerateDataKeyPairWithoutPlaintext creates the key pair inside KMS and returns the private half only
 * encrypted under the region's wrapping key, so the plaintext private key never reaches this machine. Prints the
 * JSON entry for cdk.json `context.signing.keys.{label}` on stdout, where to put it on stderr.
 * The caller needs kms:GenerateDataKeyPairWithoutPlaintext and kms:DescribeKey on the wrapping key.
 */
import { createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DescribeKeyCommand, GenerateDataKeyPairWithoutPlaintextCommand, KMSClient } from '@aws-sdk/client-kms';
import { ENVELOPE_ENCRYPTION_CONTEXT } from '../lambdas/core/signer/kms-envelope-signer.ts';
import { toPublicJwk } from '../lambdas/core/signer/signer.ts';
import { runIfInvoked } from './run-script.ts';

/** The alias the stack gives each region's wrapping key (lib/envelope-signing-key.ts). */
export const DEFAULT_WRAPPING_KEY = 'alias/keyway/envelope-wrapping-key';

export interface GeneratedEnvelopeKey {
  /** Base64 PrivateKeyCiphertextBlob: SIGNING_KEY_CIPHERTEXT. Not a secret, but only Decrypt can use it. */
  readonly ciphertext: string;
  /** Base64 DER SubjectPublicKeyInfo: SIGNING_PUBLIC_KEY. */
  readonly publicKey: string;
  /** RFC 7638 thumbprint of the public key: the `kid` tokens will carry and JWKS will list. */
  readonly kid: string;
  /** ARN of the symmetric key that wrapped the private half (KMS resolves an alias to it). */
  readonly wrappingKeyArn: string;
}

/** One GenerateDataKeyPairWithoutPlaintext call, RSA_2048, bound to the encryption context the signer decrypts with. */
export async function generateEnvelopeKey(kms: KMSClient, wrappingKeyId: string): Promise<GeneratedEnvelopeKey> {
  const described = await kms.send(new DescribeKeyCommand({ KeyId: wrappingKeyId }));
  const meta = described.KeyMetadata;
  if (meta?.KeySpec !== 'SYMMETRIC_DEFAULT' || meta.KeyUsage !== 'ENCRYPT_DECRYPT')
    throw new Error(
      `${wrappingKeyId} must be a symmetric ENCRYPT_DECRYPT key, is ${meta?.KeySpec ?? '?'} ${meta?.KeyUsage ?? '?'}`,
    );
  if (meta.KeyState !== 'Enabled') throw new Error(`${wrappingKeyId} is ${meta.KeyState}, not Enabled`);

  const out = await kms.send(
    new GenerateDataKeyPairWithoutPlaintextCommand({
      KeyId: wrappingKeyId,
      KeyPairSpec: 'RSA_2048',
      EncryptionContext: { ...ENVELOPE_ENCRYPTION_CONTEXT },
    }),
  );
  if (!out.PrivateKeyCiphertextBlob?.byteLength || !out.PublicKey?.byteLength)
    throw new Error('KMS returned no key pair');
  if (out.KeyPairSpec && out.KeyPairSpec !== 'RSA_2048')
    throw new Error(`KMS returned a ${out.KeyPairSpec} key pair, not RSA_2048`);
  const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== 'rsa' || publicKey.asymmetricKeyDetails?.modulusLength !== 2048)
    throw new Error('KMS returned a public key that is not RSA 2048');
  return {
    ciphertext: Buffer.from(out.PrivateKeyCiphertextBlob).toString('base64'),
    publicKey: Buffer.from(out.PublicKey).toString('base64'),
    kid: (await toPublicJwk(publicKey)).kid,
    wrappingKeyArn: out.KeyId ?? meta.Arn ?? wrappingKeyId,
  };
}

export interface CliOptions {
  readonly region: string;
  readonly label: string;
  readonly generation: string;
  readonly key: string;
}

const USAGE =
  'usage: npx tsx scripts/generate-envelope-key.ts --region <aws region> --label <region label> --generation <name> [--key <wrapping key id, ARN or alias>]';

/** Same shapes lib/config.ts accepts, so a typo fails here rather than at synth. */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      region: { type: 'string' },
      label: { type: 'string' },
      generation: { type: 'string' },
      key: { type: 'string', default: DEFAULT_WRAPPING_KEY },
    },
    strict: true,
    allowPositionals: false,
  });
  const { region, label, generation, key } = values;
  if (!region || !label || !generation || !key) throw new Error(USAGE);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`--region ${region} is not an AWS region`);
  if (!/^[a-z0-9]{1,8}$/.test(label)) throw new Error(`--label ${label} is not a region label from cdk.json`);
  if (!/^[a-z0-9-]{1,32}$/.test(generation)) throw new Error(`--generation must match [a-z0-9-]{1,32}`);
  return { region, label, generation, key };
}

/** The entry for `context.signing.keys.{label}` in cdk.json. */
export function cdkJsonEntry(generation: string, key: GeneratedEnvelopeKey): string {
  return JSON.stringify({ [generation]: { ciphertext: key.ciphertext, publicKey: key.publicKey } }, null, 2);
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  const key = await generateEnvelopeKey(new KMSClient({ region: options.region }), options.key);
  process.stderr.write(
    `Generated RSA_2048 key ${key.kid}, private half wrapped by ${key.wrappingKeyArn}.\n` +
      `Add this to cdk.json under context.signing.keys.${options.label}, then follow docs/SIGNING.md (rotation):\n`,
  );
  process.stdout.write(`${cdkJsonEntry(options.generation, key)}\n`);
}

runIfInvoked(import.meta.url, main);
