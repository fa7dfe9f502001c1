import type { Config } from './config.ts';
import { getConfig } from './deps.ts';
import type { Signer } from './signer/signer.ts';

let signer: Promise<Signer> | undefined;

/** The signer is loaded lazily so endpoints that never sign (and their bundles) never touch KMS. */
export function getSigner(): Promise<Signer> {
  signer ??= loadSigner(getConfig()).catch((error) => {
    signer = undefined; // retry on the next request rather than caching a failure
    throw error;
  });
  return signer;
}

async function loadSigner(config: Config): Promise<Signer> {
  const s = config.signer;
  if (s.mode === 'local') {
    const { LocalSigner } = await import('./signer/local-signer.ts');
    return LocalSigner.open(s.keyDir);
  }
  const kmsClient = async () => new (await import('@aws-sdk/client-kms')).KMSClient({ region: config.region });
  if (s.mode === 'kms-envelope') {
    const { KmsEnvelopeSigner } = await import('./signer/kms-envelope-signer.ts');
    return KmsEnvelopeSigner.create(kmsClient, s); // KMS is loaded at the first signature only
  }
  const { KmsSigner } = await import('./signer/kms-signer.ts');
  return KmsSigner.create(await kmsClient(), s.keyId, s.publishedKeyIds);
}

/** For tests and the local server: use this signer instead of the one the environment describes. */
export function overrideSigner(replacement: Signer): void {
  signer = Promise.resolve(replacement);
}
