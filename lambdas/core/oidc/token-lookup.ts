import { epochSeconds } from '../clock.ts';
import type { Signer } from '../signer/signer.ts';
import type { Client } from '../store/clients.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Grant, RefreshToken } from '../store/tokens.ts';
import { type ActiveAccessToken, verifyAccessToken } from './access-token.ts';
import { grantIdOfRefreshToken } from './token-minting.ts';

export type FoundToken =
  | { readonly kind: 'access_token'; readonly active: ActiveAccessToken }
  | { readonly kind: 'refresh_token'; readonly token: RefreshToken; readonly grant: Grant }
  | { readonly kind: 'none' };

/**
 * Finds an active token of this tenant for revoke/introspect. `token_type_hint` only decides which kind is
 * tried first (RFC 7009 §2.1, RFC 7662 §2.1): a wrong hint still finds the token.
 */
export async function findActiveToken(
  token: string,
  hint: string | undefined,
  input: { store: Store; signer: Signer; tenant: Tenant; issuer: string },
): Promise<FoundToken> {
  const now = epochSeconds(input.store.clock);
  const asRefresh = async (): Promise<FoundToken> => {
    const grantId = grantIdOfRefreshToken(token);
    if (!grantId) return { kind: 'none' };
    const found = await input.store.tokens.findRefreshToken(input.tenant.id, token, grantId);
    if (!found.token || !found.grant || found.grant.revokedAt !== undefined) return { kind: 'none' };
    if (found.token.state !== 'active' || found.token.expiresAt <= now) return { kind: 'none' };
    // Its client and user (known only from the family) must still be alive too.
    const live = await input.store.liveGrantOf(found.grant);
    if (!live) return { kind: 'none' };
    return { kind: 'refresh_token', token: found.token, grant: found.grant };
  };
  const asAccess = async (): Promise<FoundToken> => {
    const active = await verifyAccessToken(token, { ...input, tenantId: input.tenant.id, now });
    return active ? { kind: 'access_token', active } : { kind: 'none' };
  };
  const order = hint === 'refresh_token' ? [asRefresh, asAccess] : [asAccess, asRefresh];
  for (const attempt of order) {
    const found = await attempt();
    if (found.kind !== 'none') return found;
  }
  return { kind: 'none' };
}

export function ownedBy(found: FoundToken, client: Client): boolean {
  if (found.kind === 'access_token') return found.active.claims.client_id === client.clientId;
  if (found.kind === 'refresh_token') return found.token.clientId === client.clientId;
  return false;
}
