import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { KmsEnvelopeSigner } from '../../../lambdas/core/signer/kms-envelope-signer.ts';
import {
  cdkJsonEntry,
  DEFAULT_WRAPPING_KEY,
  generateEnvelopeKey,
  parseCli,
} from '../../../scripts/generate-envelope-key.ts';

const WRAPPING_ARN = 'arn:aws:kms:us-west-2:111111111111:key/0f0f0f0f-1111-2222-3333-444444444444';
const symmetricKey = {
  KeyMetadata: {
    KeyId: '0f0f0f0f-1111-2222-3333-444444444444',
    Arn: WRAPPING_ARN,
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: 'Enabled',
  },
} as const;

const thumbprint = (publicKey: KeyObject) => {
  const { e, n } = publicKey.export({ format: 'jwk' }) as { e: string; n: string };
  return createHash('sha256').update(`{"e":"${e}","kty":"RSA","n":"${n}"}`).digest('base64url');
};

/**
 * KMS as far as this key's life goes: GenerateDataKeyPairWithoutPlaintext makes a real RSA pair and keeps the
 * PKCS#8 private half behind an opaque blob bound to the encryption context; Decrypt gives it back for that blob
 * and context only.
 */
function fakeKms() {
  const kms = mockClient(KMSClient);
  const wrapped = new Map<string, { der: Buffer; context: string; publicKey: KeyObject }>();
  kms.on(DescribeKeyCommand).resolves(symmetricKey);
  kms
    .on(GenerateDataKeyPairWithoutPlaintextCommand)
    .callsFake((input: { KeyPairSpec: string; EncryptionContext?: Record<string, string> }) => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const blob = randomBytes(1400);
      wrapped.set(blob.toString('hex'), {
        der: privateKey.export({ format: 'der', type: 'pkcs8' }),
        context: JSON.stringify(input.EncryptionContext ?? {}),
        publicKey,
      });
      return {
        KeyId: WRAPPING_ARN,
        KeyPairSpec: input.KeyPairSpec,
        PrivateKeyCiphertextBlob: new Uint8Array(blob),
        PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
      };
    });
  kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext?: object }) => {
    const entry = wrapped.get(Buffer.from(input.CiphertextBlob).toString('hex'));
    if (!entry || entry.context !== JSON.stringify(input.EncryptionContext ?? {})) throw new Error('InvalidCiphertext');
    return { KeyId: WRAPPING_ARN, Plaintext: new Uint8Array(entry.der) };
  });
  return { kms, wrapped };
}

const client = () => new KMSClient({ region: 'us-west-2' });

describe('generateEnvelopeKey', () => {
  it('asks KMS for an RSA_2048 pair without plaintext, bound to the signing encryption context', async () => {
    const { kms, wrapped } = fakeKms();
    const key = await generateEnvelopeKey(client(), DEFAULT_WRAPPING_KEY);

    expect(kms.commandCalls(GenerateDataKeyPairWithoutPlaintextCommand)[0]!.args[0].input).toEqual({
      KeyId: 'alias/keyway/envelope-wrapping-key',
      KeyPairSpec: 'RSA_2048',
      EncryptionContext: { purpose: 'keyway-token-signing' },
    });
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0); // the script never sees the private key
    const entry = wrapped.get(Buffer.from(key.ciphertext, 'base64').toString('hex'));
    expect(entry).toBeDefined();
    expect(key.publicKey).toBe(entry!.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'));
    expect(key.kid).toBe(thumbprint(entry!.publicKey));
    expect(key.wrappingKeyArn).toBe(WRAPPING_ARN);
    kms.restore();
  });

  it('produces exactly what the kms-envelope signer needs: config parses, tokens verify against its JWKS', async () => {
    const { kms } = fakeKms();
    const key = await generateEnvelopeKey(client(), DEFAULT_WRAPPING_KEY);
    const entry = JSON.parse(cdkJsonEntry('e1', key)) as { e1: { ciphertext: string; publicKey: string } };
    expect(Object.keys(entry.e1).sort()).toEqual(['ciphertext', 'publicKey']);

    const { signer: config } = parseConfig({
      SIGNER_MODE: 'kms-envelope',
      SIGNING_KEY_CIPHERTEXT: entry.e1.ciphertext,
      SIGNING_PUBLIC_KEY: entry.e1.publicKey,
    });
    if (config.mode !== 'kms-envelope') throw new Error(config.mode);
    const signer = await KmsEnvelopeSigner.create(async () => client(), config);
    const jwt = await signer.sign({ typ: 'JWT' }, { sub: 'u1', exp: Math.floor(Date.now() / 1000) + 60 });
    const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(await signer.publicJwks()));
    expect(protectedHeader.kid).toBe(key.kid);
    kms.restore();
  });

  it('refuses a wrapping key that is not an enabled symmetric ENCRYPT_DECRYPT key', async () => {
    const kms = mockClient(KMSClient);
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { ...symmetricKey.KeyMetadata, KeySpec: 'RSA_2048' } });
    await expect(generateEnvelopeKey(client(), 'alias/other')).rejects.toThrow(/must be a symmetric ENCRYPT_DECRYPT/);
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { ...symmetricKey.KeyMetadata, KeyState: 'PendingDeletion' } });
    await expect(generateEnvelopeKey(client(), 'alias/other')).rejects.toThrow(/is PendingDeletion, not Enabled/);
    expect(kms.commandCalls(GenerateDataKeyPairWithoutPlaintextCommand)).toHaveLength(0);
    kms.restore();
  });

  it('refuses an answer without a key pair or with a public key that is not RSA 2048', async () => {
    const kms = mockClient(KMSClient);
    kms.on(DescribeKeyCommand).resolves(symmetricKey);
    kms.on(GenerateDataKeyPairWithoutPlaintextCommand).resolves({ KeyId: WRAPPING_ARN });
    await expect(generateEnvelopeKey(client(), DEFAULT_WRAPPING_KEY)).rejects.toThrow(/no key pair/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    kms.on(GenerateDataKeyPairWithoutPlaintextCommand).resolves({
      KeyId: WRAPPING_ARN,
      PrivateKeyCiphertextBlob: new Uint8Array(10),
      PublicKey: new Uint8Array(small.publicKey.export({ format: 'der', type: 'spki' })),
    });
    await expect(generateEnvelopeKey(client(), DEFAULT_WRAPPING_KEY)).rejects.toThrow(/not RSA 2048/);
    kms.restore();
  });
});

describe('command line', () => {
  it('takes region, label and generation, defaulting to the alias the stack creates', () => {
    expect(parseCli(['--region', 'eu-west-1', '--label', 'eu', '--generation', 'e2'])).toEqual({
      region: 'eu-west-1',
      label: 'eu',
      generation: 'e2',
      key: 'alias/keyway/envelope-wrapping-key',
    });
    expect(parseCli(['--region=us-west-2', '--label=us', '--generation=e1', `--key=${WRAPPING_ARN}`]).key).toBe(
      WRAPPING_ARN,
    );
  });

  it.each([
    [['--label', 'us', '--generation', 'e1'], /usage:/],
    [['--region', 'us-west-2', '--label', 'us', '--generation', 'E 1'], /--generation must match/],
    [['--region', 'Oregon', '--label', 'us', '--generation', 'e1'], /is not an AWS region/],
    [['--region', 'us-west-2', '--label', 'us-west', '--generation', 'e1'], /not a region label/],
    [['--region', 'us-west-2', '--label', 'us', '--generation', 'e1', '--spec', 'RSA_4096'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });
});
