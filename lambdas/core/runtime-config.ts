import { type Config, parseConfig } from './config.ts';

/**
 * The process's configuration, parsed once. Kept apart from the store (deps.ts) so that a function without table
 * access (the OpenAPI document) bundles no DynamoDB client through the shared middleware.
 */
let config: Config | undefined;

export function getConfig(): Config {
  config ??= parseConfig();
  return config;
}

export function overrideConfig(next: Config): void {
  config = next;
}
