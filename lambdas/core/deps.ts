import { type Clock, systemClock } from './clock.ts';
import { type Config, parseConfig } from './config.ts';
import type { Signer } from './signer/signer.ts';
import { Store } from './store/store.ts';
import { createDocumentClient, Table } from './store/table.ts';

/**
 * Dependencies every endpoint core receives explicitly. Built once per process (Lambda init or the local
 * server) and reused across invocations.
 */
export interface Deps {
  readonly config: Config;
  readonly store: Store;
  readonly signer: Signer;
  readonly clock: Clock;
}

let config: Config | undefined;
let store: Store | undefined;
let signer: Promise<Signer> | undefined;

export function getConfig(): Config {
  config ??= parseConfig();
  return config;
}

export function getStore(): Store {
  if (!store) {
    const { tableName, region, dynamodbEndpoint } = getConfig();
    const { doc } = createDocumentClient({ region, endpoint: dynamodbEndpoint });
    store = new Store(new Table(doc, tableName, systemClock));
  }
  return store;
}

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
  const { KMSClient } = await import('@aws-sdk/client-kms');
  const kms = new KMSClient({ region: config.region });
  const { KmsSigner } = await import('./signer/kms-signer.ts');
  return KmsSigner.create(kms, s.keyId, s.publishedKeyIds);
}

export async function getDeps(): Promise<Deps> {
  return { config: getConfig(), store: getStore(), signer: await getSigner(), clock: systemClock };
}

/** For tests and the local server: replace what the environment would build. */
export function overrideDeps(deps: { config?: Config; store?: Store; signer?: Signer }): void {
  if (deps.config) config = deps.config;
  if (deps.store) store = deps.store;
  if (deps.signer) signer = Promise.resolve(deps.signer);
}
