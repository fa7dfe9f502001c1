import { constants, createHash, generateKeyPairSync, privateEncrypt, sign, verify } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { KmsSigner } from '../../../lambdas/core/signer/kms-signer.ts';
import { LocalSigner } from '../../../lambdas/core/signer/local-signer.ts';

const claims = { iss: 'https://id.example.com/acme', sub: 'u1', aud: 'c1', exp: Math.floor(Date.now() / 1000) + 60 };

/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** Answers KMS like KMS would, computing real PKCS#1 v1.5 signatures with a real RSA key. */
function fakeKms() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kms = mockClient(KMSClient);
  const signed: { messageType?: string; algorithm?: string }[] = [];
  kms.on(GetPublicKeyCommand).resolves({
    KeySpec: 'RSA_2048',
    KeyUsage: 'SIGN_VERIFY',
    PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
  });
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
    signed.push({ messageType: input.MessageType, algorithm: input.SigningAlgorithm });
    if (input.MessageType !== 'DIGEST' || input.Message.length !== 32) throw new Error('expected a SHA-256 digest');
    const signature = privateEncrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(input.Message)]),
    );
    return { Signature: new Uint8Array(signature), SigningAlgorithm: input.SigningAlgorithm };
  });
  return { kms, signed, publicKey };
}

describe('LocalSigner', () => {
  it('signs RS256 JWTs that jose verifies against its JWKS (kid = RFC 7638 thumbprint)', async () => {
    const signer = await LocalSigner.open(undefined);
    const jwt = await signer.sign({ typ: 'JWT' }, claims);
    const jwks = await signer.publicJwks();
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: claims.iss });
    expect(payload.sub).toBe('u1');
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]!.kid });
    expect(jwks.keys[0]!.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps its key in the data directory, so tokens survive a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-signer-'));
    const first = await LocalSigner.open(dir);
    const jwt = await first.sign({}, claims);
    const second = await LocalSigner.open(dir);
    await expect(jwtVerify(jwt, createLocalJWKSet(await second.publicJwks()))).resolves.toBeDefined();
    expect(await readFile(join(dir, 'signing-key.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  });
});

describe('KmsSigner', () => {
  it('converts the DER SPKI from GetPublicKey to a JWK and signs with KMS Sign (DIGEST, RSASSA_PKCS1_V1_5_SHA_256)', async () => {
    const { kms, signed, publicKey } = fakeKms();
    const signer = await KmsSigner.create(new KMSClient({ region: 'us-west-2' }), 'alias/keyway-signing-1');
    const jwt = await signer.sign({ typ: 'at+jwt' }, claims);

    const { payload } = await jwtVerify(jwt, createLocalJWKSet(await signer.publicJwks()));
    expect(payload.sub).toBe('u1');
    expect(signed).toEqual([{ messageType: 'DIGEST', algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }]);
    // The signature bytes are a standard RSA signature over the JWS signing input.
    const [h, p, s] = jwt.split('.');
    expect(verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
    expect(decodeProtectedHeader(jwt).kid).toBe((await signer.publicJwks()).keys[0]!.kid);
    kms.restore();
  });

  it('publishes the next/previous keys after the current one, and signs only with the current', async () => {
    const current = fakeKms();
    const signer = await KmsSigner.create(new KMSClient({ region: 'us-west-2' }), 'alias/current');
    const currentKid = (await signer.publicJwks()).keys[0]!.kid;
    current.kms.restore();

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kms = mockClient(KMSClient);
    kms
      .on(GetPublicKeyCommand, { KeyId: 'alias/current' })
      .resolves({
        KeySpec: 'RSA_2048',
        PublicKey: new Uint8Array(current.publicKey.export({ format: 'der', type: 'spki' })),
      })
      .on(GetPublicKeyCommand, { KeyId: 'alias/next' })
      .resolves({
        KeySpec: 'RSA_2048',
        PublicKey: new Uint8Array(other.publicKey.export({ format: 'der', type: 'spki' })),
      });
    const rotating = await KmsSigner.create(new KMSClient({ region: 'us-west-2' }), 'alias/current', ['alias/next']);
    const kids = (await rotating.publicJwks()).keys.map((k) => k.kid);
    expect(kids).toHaveLength(2);
    expect(kids[0]).toBe(currentKid);
    kms.restore();
  });

  it('refuses a key that is not RSA_2048', async () => {
    const kms = mockClient(KMSClient);
    kms.on(GetPublicKeyCommand).resolves({ KeySpec: 'ECC_NIST_P256', PublicKey: new Uint8Array(10) });
    await expect(KmsSigner.create(new KMSClient({ region: 'us-west-2' }), 'k')).rejects.toThrow(/RSA_2048/);
    kms.restore();
  });
});

it('SHA-256 DigestInfo prefix sanity: privateEncrypt over it equals crypto.sign', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.from('x');
  const viaDigest = privateEncrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(data).digest()]),
  );
  expect(viaDigest.equals(sign('sha256', data, privateKey))).toBe(true);
});
