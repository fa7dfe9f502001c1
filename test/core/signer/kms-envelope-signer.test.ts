import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { DecryptCommand, InvalidCiphertextException, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { base64url, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '../../../lambdas/core/config.ts';
import {
  ENVELOPE_ENCRYPTION_CONTEXT,
  type EnvelopeKey,
  KmsEnvelopeSigner,
} from '../../../lambdas/core/signer/kms-envelope-signer.ts';

const claims = { iss: 'https://id.example.com/acme', sub: 'u1', aud: 'c1', exp: Math.floor(Date.now() / 1000) + 60 };
const WRAPPING_KEY = 'arn:aws:kms:us-west-2:111111111111:key/0f0f0f0f-1111-2222-3333-444444444444';

const rsa = (modulusLength = 2048) => generateKeyPairSync('rsa', { modulusLength });
const spki = (key: KeyObject) => new Uint8Array(key.export({ format: 'der', type: 'spki' }));
/** What KMS GenerateDataKeyPair returns as PrivateKeyPlaintext and Decrypt returns for the ciphertext blob. */
const pkcs8 = (key: KeyObject) => new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, computed here without jose. */
function rfc7638Thumbprint(publicKey: KeyObject): string {
  const { e, n } = publicKey.export({ format: 'jwk' }) as { e: string; n: string };
  return createHash('sha256').update(`{"e":"${e}","kty":"RSA","n":"${n}"}`).digest('base64url');
}

/**
 * A stand-in for KMS holding one wrapped data key pair: Decrypt answers with the PKCS#8 DER private key only for
 * the exact blob, encryption context and wrapping key it was "generated" with, like KMS does.
 */
function fakeKms(keyPair = rsa(), plaintext: Uint8Array = pkcs8(keyPair.privateKey)) {
  const ciphertext = new Uint8Array(randomBytes(1400));
  const kms = mockClient(KMSClient);
  const returned: Uint8Array[] = [];
  kms
    .on(DecryptCommand)
    .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext?: object; KeyId?: string }) => {
      const sameBlob = Buffer.from(input.CiphertextBlob).equals(Buffer.from(ciphertext));
      const sameContext = JSON.stringify(input.EncryptionContext) === JSON.stringify(ENVELOPE_ENCRYPTION_CONTEXT);
      if (!sameBlob || !sameContext || (input.KeyId !== undefined && input.KeyId !== WRAPPING_KEY))
        throw new InvalidCiphertextException({ message: 'The ciphertext is invalid', $metadata: {} });
      const copy = new Uint8Array(plaintext); // a fresh buffer per call, as the SDK would deserialize
      returned.push(copy);
      return { KeyId: WRAPPING_KEY, Plaintext: copy, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    });
  const key: EnvelopeKey = { ciphertext, publicKey: spki(keyPair.publicKey), wrappingKeyId: WRAPPING_KEY };
  const decrypts = () => kms.commandCalls(DecryptCommand).length;
  return { kms, key, keyPair, returned, decrypts };
}

const client = () => new KMSClient({ region: 'us-west-2' });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('KmsEnvelopeSigner', () => {
  it('signs RS256 JWTs that jose verifies against its JWKS, kid = RFC 7638 thumbprint of the key pair', async () => {
    const fake = fakeKms();
    const signer = await KmsEnvelopeSigner.create(async () => client(), fake.key);
    const jwt = await signer.sign({ typ: 'JWT' }, claims);
    const jwks = await signer.publicJwks();

    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      issuer: claims.iss,
      audience: 'c1',
      algorithms: ['RS256'],
    });
    expect(payload.sub).toBe('u1');
    const kid = rfc7638Thumbprint(fake.keyPair.publicKey);
    expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'RS256', kid });
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', kid, alg: 'RS256', use: 'sig' })]);
    fake.kms.restore();
  });

  it('does not even create the KMS client until the first signature (publishing functions never load it)', async () => {
    const fake = fakeKms();
    let created = 0;
    const signer = await KmsEnvelopeSigner.create(async () => {
      created++;
      return client();
    }, fake.key);
    await signer.publicJwks();
    expect(created).toBe(0);
    await signer.sign({ typ: 'JWT' }, claims);
    await signer.sign({ typ: 'JWT' }, claims);
    expect(created).toBe(1);
    fake.kms.restore();
  });

  it('calls KMS Decrypt exactly once across many signatures, concurrent first ones included, pinned to the wrapping key', async () => {
    const fake = fakeKms();
    const signer = await KmsEnvelopeSigner.create(async () => client(), fake.key);
    expect(fake.decrypts()).toBe(0); // nothing is unwrapped until something is signed

    const concurrent = await Promise.all(Array.from({ length: 10 }, (_, i) => signer.sign({}, { ...claims, n: i })));
    const sequential: string[] = [];
    for (let i = 0; i < 40; i++) sequential.push(await signer.sign({}, { ...claims, n: i }));

    const jwks = createLocalJWKSet(await signer.publicJwks());
    for (const jwt of [...concurrent, ...sequential]) await expect(jwtVerify(jwt, jwks)).resolves.toBeDefined();
    expect(fake.decrypts()).toBe(1);
    expect(fake.kms.commandCalls(DecryptCommand)[0]!.args[0].input).toEqual({
      CiphertextBlob: fake.key.ciphertext,
      EncryptionContext: { purpose: 'keyway-token-signing' },
      KeyId: WRAPPING_KEY,
    });
    fake.kms.restore();
  });

  it('serves JWKS without any KMS call, so functions that only publish or verify need no kms:Decrypt', async () => {
    const fake = fakeKms();
    const signer = await KmsEnvelopeSigner.create(async () => client(), fake.key);
    const jwks = await signer.publicJwks();
    expect(jwks.keys[0]!.kid).toBe(rfc7638Thumbprint(fake.keyPair.publicKey));
    expect(fake.kms.calls()).toHaveLength(0);
    fake.kms.restore();
  });

  it('zeroes the plaintext DER that Decrypt returned once the key object holds it', async () => {
    const fake = fakeKms();
    const signer = await KmsEnvelopeSigner.create(async () => client(), fake.key);
    await signer.sign({}, claims);
    expect(fake.returned).toHaveLength(1);
    expect(fake.returned[0]!.byteLength).toBeGreaterThan(1000);
    expect(fake.returned[0]!.every((b) => b === 0)).toBe(true);
    fake.kms.restore();
  });

  it('publishes next/previous public keys after the current one, signs only with the current', async () => {
    const fake = fakeKms();
    const next = rsa();
    const previous = rsa();
    const signer = await KmsEnvelopeSigner.create(async () => client(), {
      ...fake.key,
      // The current key listed again is not published twice.
      publishedPublicKeys: [spki(next.publicKey), spki(previous.publicKey), fake.key.publicKey],
    });
    const jwks = await signer.publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([
      rfc7638Thumbprint(fake.keyPair.publicKey),
      rfc7638Thumbprint(next.publicKey),
      rfc7638Thumbprint(previous.publicKey),
    ]);

    const jwt = await signer.sign({}, claims);
    expect(decodeProtectedHeader(jwt).kid).toBe(rfc7638Thumbprint(fake.keyPair.publicKey));
    // A token the previous generation signed before the rotation still verifies against this JWKS.
    const header = base64url.encode(
      JSON.stringify({ alg: 'RS256', kid: rfc7638Thumbprint(previous.publicKey), typ: 'JWT' }),
    );
    const body = base64url.encode(JSON.stringify(claims));
    const old = `${header}.${body}.${base64url.encode(sign('sha256', Buffer.from(`${header}.${body}`), previous.privateKey))}`;
    await expect(jwtVerify(old, createLocalJWKSet(jwks))).resolves.toBeDefined();
    fake.kms.restore();
  });

  it('fails with a clear error on a ciphertext KMS rejects, never signing some other way, and retries next time', async () => {
    const fake = fakeKms();
    const signer = await KmsEnvelopeSigner.create(async () => client(), {
      ...fake.key,
      ciphertext: new Uint8Array(randomBytes(64)),
    });
    await expect(signer.sign({}, claims)).rejects.toThrow(
      /KMS Decrypt of the envelope signing key \(SIGNING_KEY_CIPHERTEXT\) failed: InvalidCiphertextException/,
    );
    await expect(signer.sign({}, claims)).rejects.toThrow(/InvalidCiphertextException/);
    expect(fake.decrypts()).toBe(2); // the failure is not cached as if it were a key
    fake.kms.restore();
  });

  it('surfaces AccessDenied from Decrypt (a role without kms:Decrypt) with the original error as cause', async () => {
    const kms = mockClient(KMSClient);
    // KMS has no modelled AccessDenied exception; the SDK surfaces it as a service exception with that name.
    const denied = new KMSServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'not authorized to perform: kms:Decrypt',
    });
    kms.on(DecryptCommand).rejects(denied);
    const { publicKey } = rsa();
    const signer = await KmsEnvelopeSigner.create(async () => client(), {
      ciphertext: new Uint8Array(8),
      publicKey: spki(publicKey),
    });
    const error = (await signer.sign({}, claims).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/failed: AccessDeniedException: not authorized to perform: kms:Decrypt/);
    expect(error.cause).toBe(denied);
    kms.restore();
  });

  it('refuses a Decrypt answer without plaintext', async () => {
    const kms = mockClient(KMSClient);
    kms.on(DecryptCommand).resolves({ KeyId: WRAPPING_KEY });
    const signer = await KmsEnvelopeSigner.create(async () => client(), {
      ciphertext: new Uint8Array(8),
      publicKey: spki(rsa().publicKey),
    });
    await expect(signer.sign({}, claims)).rejects.toThrow(/Decrypt returned no plaintext/);
    kms.restore();
  });

  it('refuses plaintext that is not a PKCS#8 DER private key', async () => {
    const keyPair = rsa();
    const fake = fakeKms(keyPair, new Uint8Array(randomBytes(32)));
    const signer = await KmsEnvelopeSigner.create(async () => client(), fake.key);
    await expect(signer.sign({}, claims)).rejects.toThrow(/not a PKCS#8 DER private key/);
    fake.kms.restore();
  });

  it('refuses a private key that is not RSA_2048', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const big = rsa(3072);
    for (const privateKey of [ec.privateKey, big.privateKey]) {
      const fake = fakeKms(rsa(), pkcs8(privateKey));
      const signer = await KmsEnvelopeSigner.create(async () => client(), fake.key);
      await expect(signer.sign({}, claims)).rejects.toThrow(/must be RSA_2048/);
      fake.kms.restore();
    }
  });

  it('refuses a ciphertext whose key pair is not the one SIGNING_PUBLIC_KEY publishes', async () => {
    const fake = fakeKms();
    const signer = await KmsEnvelopeSigner.create(async () => client(), {
      ...fake.key,
      publicKey: spki(rsa().publicKey),
    });
    await expect(signer.sign({}, claims)).rejects.toThrow(/not of SIGNING_PUBLIC_KEY/);
    fake.kms.restore();
  });

  it('refuses public keys that are not DER SPKI RSA keys of at least 2048 bits', async () => {
    const ciphertext = new Uint8Array(8);
    await expect(
      KmsEnvelopeSigner.create(async () => client(), { ciphertext, publicKey: new Uint8Array(20) }),
    ).rejects.toThrow(/SIGNING_PUBLIC_KEY must be a base64 DER SubjectPublicKeyInfo/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(
      KmsEnvelopeSigner.create(async () => client(), { ciphertext, publicKey: spki(ec.publicKey) }),
    ).rejects.toThrow(/SIGNING_PUBLIC_KEY must be an RSA public key/);
    await expect(
      KmsEnvelopeSigner.create(async () => client(), {
        ciphertext,
        publicKey: spki(rsa().publicKey),
        publishedPublicKeys: [spki(rsa(1024).publicKey)],
      }),
    ).rejects.toThrow(/SIGNING_PUBLISHED_PUBLIC_KEYS must be an RSA public key of at least 2048 bits/);
  });
});

describe('kms-envelope configuration', () => {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const current = rsa();
  const next = rsa();
  const env = {
    SIGNER_MODE: 'kms-envelope',
    SIGNING_KEY_CIPHERTEXT: b64(new Uint8Array([1, 2, 3, 4, 5])),
    SIGNING_PUBLIC_KEY: b64(spki(current.publicKey)),
    SIGNING_KEY_WRAPPING_KEY_ID: WRAPPING_KEY,
    SIGNING_PUBLISHED_PUBLIC_KEYS: ` ${b64(spki(next.publicKey))} ,`,
  };

  it('decodes the ciphertext, public keys and wrapping key id', () => {
    const { signer } = parseConfig(env);
    expect(signer).toEqual({
      mode: 'kms-envelope',
      ciphertext: new Uint8Array([1, 2, 3, 4, 5]),
      publicKey: spki(current.publicKey),
      wrappingKeyId: WRAPPING_KEY,
      publishedPublicKeys: [spki(next.publicKey)],
    });
  });

  it('treats the wrapping key id and published keys as optional', () => {
    const { signer } = parseConfig({ ...env, SIGNING_KEY_WRAPPING_KEY_ID: '', SIGNING_PUBLISHED_PUBLIC_KEYS: '' });
    expect(signer).toMatchObject({ mode: 'kms-envelope', wrappingKeyId: undefined, publishedPublicKeys: [] });
  });

  it.each([
    [{ SIGNING_KEY_CIPHERTEXT: undefined }, /Missing required environment variable SIGNING_KEY_CIPHERTEXT/],
    [{ SIGNING_PUBLIC_KEY: undefined }, /Missing required environment variable SIGNING_PUBLIC_KEY/],
    [{ SIGNING_KEY_CIPHERTEXT: 'not base64!' }, /SIGNING_KEY_CIPHERTEXT must be base64/],
    [{ SIGNING_KEY_CIPHERTEXT: 'AQIDBA' }, /SIGNING_KEY_CIPHERTEXT must be base64/], // unpadded: likely truncated
    [{ SIGNING_PUBLIC_KEY: 'AQID\nBA==' }, /SIGNING_PUBLIC_KEY must be base64/],
    [{ SIGNING_PUBLISHED_PUBLIC_KEYS: 'AQIDBA==,%%%%' }, /SIGNING_PUBLISHED_PUBLIC_KEYS must be base64/],
    [{ SIGNER_MODE: 'envelope' }, /SIGNER_MODE must be local, kms or kms-envelope, not envelope/],
  ])('refuses %o', (override, message) => {
    expect(() => parseConfig({ ...env, ...override })).toThrow(ConfigError);
    expect(() => parseConfig({ ...env, ...override })).toThrow(message);
  });

  it('is what getSigner builds from the environment: one Decrypt, then verifiable tokens', async () => {
    const fake = fakeKms(current);
    vi.resetModules();
    for (const [name, value] of Object.entries({
      ...env,
      SIGNING_KEY_CIPHERTEXT: b64(fake.key.ciphertext),
      AWS_REGION: 'us-west-2',
    }))
      vi.stubEnv(name, value);
    const { getSigner } = await import('../../../lambdas/core/signing.ts');
    const signer = await getSigner();
    const tokens = [await signer.sign({}, claims), await (await getSigner()).sign({}, claims)];
    const jwks = await signer.publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([
      rfc7638Thumbprint(current.publicKey),
      rfc7638Thumbprint(next.publicKey),
    ]);
    for (const jwt of tokens) await expect(jwtVerify(jwt, createLocalJWKSet(jwks))).resolves.toBeDefined();
    expect(fake.decrypts()).toBe(1);
    fake.kms.restore();
  });
});
