/**
 * The grant types Keyway implements: the names only, so client validation, discovery and the store can use them
 * without bundling the grant handlers. Each has exactly one module in `grants/` (`grants/registry.ts` is typed
 * `Record<GrantType, GrantModule>`, so a name without a module, or a module without a name, does not compile).
 */
export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

export type GrantType = (typeof GRANT_TYPES)[number];

/** A grant a client may only have together with another (refresh tokens come from an authorization code). */
const REQUIRES: Readonly<Partial<Record<GrantType, GrantType>>> = { refresh_token: 'authorization_code' };

/** What is wrong with a client's `grant_types` as a whole, for invalid_client_metadata; undefined when fine. */
export function grantTypesProblem(grantTypes: readonly GrantType[]): string | undefined {
  for (const type of grantTypes) {
    const needed = REQUIRES[type];
    if (needed && !grantTypes.includes(needed)) return `grant_types: ${type} needs ${needed}.`;
  }
  return undefined;
}
