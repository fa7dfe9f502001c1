import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { LocalSigner } from './local-signer.ts';
import type { Signer } from './signer.ts';

/**
 * Bound into the ciphertext by scripts/generate-envelope-key.ts and required again by Decrypt, so the wrapping
 * key's policy can allow kms:Decrypt only for this purpose (condition `kms:EncryptionContext:purpose`).
 */
export const ENVELOPE_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = { purpose: 'keyway-token-signing' };

export interface EnvelopeKey {
  /** `PrivateKeyCiphertextBlob` of KMS GenerateDataKeyPairWithoutPlaintext (RSA_2048): PKCS#8 DER, encrypted. */
  readonly ciphertext: Uint8Array;
  /** The symmetric KMS key that wrapped it. Optional for Decrypt, but pinning it refuses a blob from another key. */
  readonly wrappingKeyId?: string | undefined;
  /** DER SPKI public keys of next/previous generations, published in JWKS during a rotation. */
  readonly publishedPublicKeys?: readonly Uint8Array[];
}

/**
 * `kms-envelope` signing mode: the RSA private key exists at rest only encrypted under a KMS symmetric key.
 * One KMS Decrypt per cold start unwraps it; every signature after that is computed in this process.
 *
 * The trade-off, plainly: the private key is in Lambda memory for the life of the execution environment, so
 * code execution inside a signing function (or a memory disclosure bug) could exfiltrate it, and a stolen key
 * stays valid until rotated, whereas in `kms` mode an attacker can only sign while they hold the role.
 * In exchange, signing costs no KMS request, so the shared regional KMS RSA quota no longer caps sign-ins.
 */
export async function openKmsEnvelopeSigner(kms: KMSClient, key: EnvelopeKey): Promise<Signer> {
  const out = await kms.send(
    new DecryptCommand({
      CiphertextBlob: key.ciphertext,
      EncryptionContext: { ...ENVELOPE_ENCRYPTION_CONTEXT },
      ...(key.wrappingKeyId ? { KeyId: key.wrappingKeyId } : {}),
    }),
  );
  if (!out.Plaintext) throw new Error('KMS Decrypt returned no plaintext for the signing key');
  let privateKey: KeyObject;
  try {
    const der = Buffer.from(out.Plaintext.buffer, out.Plaintext.byteOffset, out.Plaintext.byteLength); // a view, no copy
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    // The KeyObject keeps its own copy; do not leave the DER lying in the SDK's buffer.
    out.Plaintext.fill(0);
  }
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'rsa' || details?.modulusLength !== 2048)
    throw new Error('the envelope signing key must be RSA_2048');
  const published = (key.publishedPublicKeys ?? []).map((der) =>
    createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }),
  );
  return LocalSigner.fromKeys(privateKey, published);
}
