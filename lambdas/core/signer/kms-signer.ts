import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { compactJws, type PublicJwk, publicJwkFromSpki, type Signer } from './signer.ts';

/**
 * Signs with an asymmetric KMS key (RSA_2048, SIGN_VERIFY); the private key never leaves KMS.
 * Public keys are fetched once per cold start (GetPublicKey's quota is small) and served from memory.
 * `publishedKeyIds` are the next/previous generations kept in JWKS during a rotation (see docs/ARCHITECTURE.md).
 */
export class KmsSigner implements Signer {
  private constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    private readonly current: PublicJwk,
    private readonly jwks: { keys: PublicJwk[] },
  ) {}

  static async create(kms: KMSClient, keyId: string, publishedKeyIds: readonly string[] = []): Promise<KmsSigner> {
    const fetchJwk = async (id: string) => {
      const out = await kms.send(new GetPublicKeyCommand({ KeyId: id }));
      if (!out.PublicKey) throw new Error(`KMS returned no public key for ${id}`);
      if (out.KeySpec && out.KeySpec !== 'RSA_2048')
        throw new Error(`signing key ${id} must be RSA_2048, is ${out.KeySpec}`);
      return publicJwkFromSpki(out.PublicKey);
    };
    const [current, ...others] = await Promise.all([keyId, ...publishedKeyIds].map(fetchJwk));
    if (!current) throw new Error('no signing key');
    const keys = [current, ...others.filter((k) => k.kid !== current.kid)];
    return new KmsSigner(kms, keyId, current, { keys });
  }

  sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    return compactJws(header, payload, this.current.kid, async (message) => {
      const out = await this.kms.send(
        new SignCommand({
          KeyId: this.keyId,
          // DIGEST, not RAW: RAW messages are capped at 4 KB and a digest is all KMS signs anyway.
          Message: createHash('sha256').update(message).digest(),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      );
      if (!out.Signature) throw new Error('KMS returned no signature');
      return out.Signature;
    });
  }

  async publicJwks(): Promise<{ keys: PublicJwk[] }> {
    return this.jwks;
  }
}
