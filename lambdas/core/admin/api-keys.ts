import type { ApiKey } from '../store/api-keys.ts';
import { isoTime } from '../views.ts';

/** The admin API's view of an API key: never the secret or its hash. */
export function apiKeyJson(key: ApiKey) {
  return {
    id: key.keyId,
    name: key.name,
    scopes: key.scopes,
    created_at: isoTime(key.createdAt),
    created_by: key.createdBy,
    last_used_at: key.lastUsedAt !== undefined ? isoTime(key.lastUsedAt) : null,
    revoked_at: key.revokedAt !== undefined ? isoTime(key.revokedAt) : null,
  };
}
