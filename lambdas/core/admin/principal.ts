import type { ApiKeyScope } from '../store/api-keys.ts';

/** Who is calling a management route, as authenticated by core/admin/authenticate.ts. */
export type Principal =
  | { readonly kind: 'operator' }
  | {
      readonly kind: 'api-key';
      readonly tenantId: string;
      readonly keyId: string;
      readonly scopes: readonly ApiKeyScope[];
    };

/** The actor recorded in audit entries: never a secret. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'operator' ? 'operator' : `key:${principal.keyId}`;
}
