import { systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { getConfig, overrideConfig } from './runtime-config.ts';
import { Store } from './store/store.ts';
import { createDocumentClient, Table } from './store/table.ts';

/**
 * Process-wide dependencies, built once (Lambda init or the local server) and reused across invocations.
 * The signer lives in signing.ts so endpoints that never sign do not bundle the KMS client.
 */

let store: Store | undefined;

export { getConfig };

export function getStore(): Store {
  if (!store) {
    const { tableName, region, dynamodbEndpoint } = getConfig();
    const { doc } = createDocumentClient({ region, endpoint: dynamodbEndpoint });
    store = new Store(new Table(doc, tableName, systemClock));
  }
  return store;
}

/** For tests and the local server: replace what the environment would build. */
export function overrideDeps(deps: { config?: Config; store?: Store }): void {
  if (deps.config) overrideConfig(deps.config);
  if (deps.store) store = deps.store;
}
