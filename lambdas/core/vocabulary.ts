/**
 * Closed sets of names shared by the store, the admin API's request schemas and the OpenAPI document. Kept free of
 * imports so that modules needing only the names (the OpenAPI function) bundle no store code.
 */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** `read` may call GET; `write` everything else. Every key has `read`. */
export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const BUILT_IN_ROLES = ['owner', 'admin', 'user'] as const;
