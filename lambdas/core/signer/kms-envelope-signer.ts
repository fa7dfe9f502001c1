import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { compactJws, type PublicJwk, type Signer, toPublicJwk } from './signer.ts';

/**
 * Bound into the ciphertext by scripts/generate-envelope-key.ts and required again by Decrypt, so the wrapping
 * key's policy can allow kms:Decrypt only for this purpose (condition `kms:EncryptionContext:purpose`).
 */
export const ENVELOPE_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = { purpose: 'keyway-token-signing' };

export interface EnvelopeKey {
  /** `PrivateKeyCiphertextBlob` of KMS GenerateDataKeyPairWithoutPlaintext (RSA_2048): PKCS#8 DER, encrypted. */
  readonly ciphertext: Uint8Array;
  /** DER SPKI of the same key pair (`PublicKey` of the same call): JWKS is served from it without any KMS call. */
  readonly publicKey: Uint8Array;
  /** The symmetric KMS key that wrapped it. Optional for Decrypt, but pinning it refuses a blob from another key. */
  readonly wrappingKeyId?: string | undefined;
  /** DER SPKI public keys of next/previous generations, published in JWKS during a rotation. */
  readonly publishedPublicKeys?: readonly Uint8Array[];
}

/**
 * `kms-envelope` signing mode: the RSA private key exists at rest only encrypted under a KMS symmetric key.
 * The first signature in an execution environment unwraps it with one KMS Decrypt; every signature after that is
 * computed in this process. Publishing and verifying need only the public keys, so functions that never sign
 * (JWKS, userinfo, introspection) never call KMS and need no kms:Decrypt; if one did try to sign, its Decrypt
 * would be refused (fail closed).
 *
 * The trade-off, plainly: the private key is in Lambda memory for the life of the execution environment, so
 * code execution inside a signing function (or a memory disclosure bug) could exfiltrate it, and a stolen key
 * stays valid until rotated, whereas in `kms` mode an attacker can only sign while they hold the role.
 * In exchange, signing costs no KMS request, so the shared regional KMS RSA quota no longer caps sign-ins.
 */
export class KmsEnvelopeSigner implements Signer {
  private privateKey: Promise<KeyObject> | undefined;

  private constructor(
    private readonly kms: () => Promise<KMSClient>,
    private readonly key: EnvelopeKey,
    private readonly current: PublicJwk,
    private readonly jwks: { keys: PublicJwk[] },
  ) {}

  /**
   * Parses the public keys only. `kms` is called at the first signature, so functions that only publish or verify
   * keys never load the KMS client, let alone call KMS.
   */
  static async create(kms: () => Promise<KMSClient>, key: EnvelopeKey): Promise<KmsEnvelopeSigner> {
    const current = await toPublicJwk(rsaPublicKey(key.publicKey, 'SIGNING_PUBLIC_KEY'));
    const others = await Promise.all(
      (key.publishedPublicKeys ?? []).map((der) => toPublicJwk(rsaPublicKey(der, 'SIGNING_PUBLISHED_PUBLIC_KEYS'))),
    );
    const keys = [current, ...others.filter((k) => k.kid !== current.kid)];
    return new KmsEnvelopeSigner(kms, key, current, { keys });
  }

  sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    return compactJws(header, payload, this.current.kid, async (input) => sign('sha256', input, await this.unwrap()));
  }

  async publicJwks(): Promise<{ keys: PublicJwk[] }> {
    return this.jwks;
  }

  /** One Decrypt per execution environment, shared by concurrent first signatures; a failure is retried next time. */
  private unwrap(): Promise<KeyObject> {
    this.privateKey ??= this.kms()
      .then((kms) => unwrapPrivateKey(kms, this.key, this.current.kid))
      .catch((error: unknown) => {
        this.privateKey = undefined;
        throw error;
      });
    return this.privateKey;
  }
}

async function unwrapPrivateKey(kms: KMSClient, key: EnvelopeKey, expectedKid: string): Promise<KeyObject> {
  const { DecryptCommand } = await import('@aws-sdk/client-kms');
  let plaintext: Uint8Array | undefined;
  try {
    const out = await kms.send(
      new DecryptCommand({
        CiphertextBlob: key.ciphertext,
        EncryptionContext: { ...ENVELOPE_ENCRYPTION_CONTEXT },
        ...(key.wrappingKeyId ? { KeyId: key.wrappingKeyId } : {}),
      }),
    );
    plaintext = out.Plaintext;
  } catch (error) {
    const { name, message } = error as Error;
    throw new Error(`KMS Decrypt of the envelope signing key (SIGNING_KEY_CIPHERTEXT) failed: ${name}: ${message}`, {
      cause: error,
    });
  }
  if (!plaintext?.byteLength) throw new Error('KMS Decrypt returned no plaintext for the envelope signing key');

  let privateKey: KeyObject;
  try {
    const der = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength); // a view, no copy
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new Error('the decrypted envelope signing key is not a PKCS#8 DER private key', { cause: error });
  } finally {
    // The KeyObject keeps its own copy; do not leave the DER lying in the SDK's buffer.
    plaintext.fill(0);
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || privateKey.asymmetricKeyDetails?.modulusLength !== 2048)
    throw new Error('the envelope signing key must be RSA_2048');
  const { kid } = await toPublicJwk(createPublicKey(privateKey));
  if (kid !== expectedKid)
    throw new Error(
      `SIGNING_KEY_CIPHERTEXT holds the private half of key ${kid}, not of SIGNING_PUBLIC_KEY (${expectedKid}): ` +
        'the two must come from the same generate-envelope-key run',
    );
  return privateKey;
}

function rsaPublicKey(der: Uint8Array, name: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (error) {
    throw new Error(`${name} must be a base64 DER SubjectPublicKeyInfo`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw new Error(`${name} must be an RSA public key of at least 2048 bits`);
  return key;
}
