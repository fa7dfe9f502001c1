/**
 * The grant types Keyway implements: the names only, so client validation, discovery and the store can use them
 * without bundling the grant handlers. Each has exactly one module in `grants/` (`grants/registry.ts` is typed
 * `Record<GrantType, GrantModule>`, so a name without a module, or a module without a name, does not compile).
 */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  TOKEN_EXCHANGE,
  DEVICE_CODE,
] as const;

export type GrantType = (typeof GRANT_TYPES)[number];

/** A grant a client may only have together with one of others (refresh tokens come from a user's sign-in). */
const REQUIRES: Readonly<Partial<Record<GrantType, readonly GrantType[]>>> = {
  refresh_token: ['authorization_code', DEVICE_CODE],
};

/**
 * What is wrong with a client's `grant_types` together with the rest of its metadata, for invalid_client_metadata;
 * undefined when fine. client_credentials and token exchange authenticate the client itself, so they need a secret
 * (RFC 6749 §4.4, RFC 8693 §2.1);
 * redirect URIs are needed only by the redirect-based grant.
 */
export function grantTypesProblem(
  grantTypes: readonly GrantType[],
  client: { readonly tokenEndpointAuthMethod: string; readonly redirectUris: readonly string[] },
): string | undefined {
  for (const type of grantTypes) {
    const needed = REQUIRES[type];
    if (needed && !needed.some((n) => grantTypes.includes(n)))
      return `grant_types: ${type} needs ${needed.join(' or ')}.`;
  }
  for (const type of ['client_credentials', TOKEN_EXCHANGE] as const)
    if (grantTypes.includes(type) && client.tokenEndpointAuthMethod === 'none')
      return `grant_types: ${type} needs a confidential client (token_endpoint_auth_method other than none).`;
  if (grantTypes.includes('authorization_code') && client.redirectUris.length === 0)
    return 'redirect_uris: authorization_code needs at least one redirect URI.';
  return undefined;
}
