import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactJws, type PublicJwk, type Signer, toPublicJwk } from './signer.ts';

/**
 * Local stand-in for KMS: an RSA-2048 key kept as PKCS#8 PEM in `keyDir` (or in memory when keyDir is
 * undefined). Extra PEM public keys in `keyDir/published/*.pem` are published in JWKS too, which is how a
 * rotation is rehearsed locally.
 */
export class LocalSigner implements Signer {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly current: PublicJwk,
    private readonly jwks: { keys: PublicJwk[] },
  ) {}

  static async fromKeys(privateKey: KeyObject, published: KeyObject[] = []): Promise<LocalSigner> {
    const current = await toPublicJwk(createPublicKey(privateKey));
    const others = await Promise.all(published.map(toPublicJwk));
    const keys = [current, ...others.filter((k) => k.kid !== current.kid)];
    return new LocalSigner(privateKey, current, { keys });
  }

  static async open(keyDir: string | undefined): Promise<LocalSigner> {
    if (!keyDir) return LocalSigner.fromKeys(generateRsaKey());
    const file = join(keyDir, 'signing-key.pem');
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(keyDir, { recursive: true });
      pem = generateRsaKey().export({ format: 'pem', type: 'pkcs8' }).toString();
      await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        pem = await readFile(file, 'utf8'); // another process created it first
      });
    }
    const published: KeyObject[] = [];
    const publishedDir = join(keyDir, 'published');
    const { readdir } = await import('node:fs/promises');
    const names = await readdir(publishedDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.pem')).sort()) {
      published.push(createPublicKey(await readFile(join(publishedDir, name), 'utf8')));
    }
    return LocalSigner.fromKeys(createPrivateKey(pem), published);
  }

  sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    return compactJws(header, payload, this.current.kid, async (input) => sign('sha256', input, this.privateKey));
  }

  async publicJwks(): Promise<{ keys: PublicJwk[] }> {
    return this.jwks;
  }
}

export function generateRsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey;
}
