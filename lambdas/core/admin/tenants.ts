import { getPublicSuffix } from 'tldts';
import { InvalidRequest } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { issuerOf } from '../issuer.ts';
import type { Tenant } from '../store/tenants.ts';

/**
 * WebAuthn §5.1.3 / §13.4.9: the RP ID must be the effective domain of the origin (here the issuer's host) or a
 * registrable domain suffix of it, never a public suffix (`com`, `co.uk`, `github.io`): the browser would refuse
 * every ceremony. Checked on every write, so a tenant cannot be configured into passkeys that never work.
 */
export function checkRpId(rpId: string, req: HttpRequest, tenantId: string): void {
  const host = new URL(issuerOf(req, tenantId)).hostname;
  if (rpId === host) return;
  if (!host.endsWith(`.${rpId}`))
    throw new InvalidRequest(
      `settings.rpId: "${rpId}" is not the issuer's host "${host}" or a parent domain of it; browsers refuse passkeys for it.`,
    );
  if (getPublicSuffix(rpId, { allowPrivateDomains: true }) === rpId)
    throw new InvalidRequest(`settings.rpId: "${rpId}" is a public suffix; use the registrable domain or the host.`);
}

/** The admin API's view of a tenant (never the decoy key or the usage-plan key the provisioner stores). */
export function tenantJson(tenant: Tenant, req: HttpRequest) {
  const issuer = issuerOf(req, tenant.id);
  return {
    id: tenant.id,
    name: tenant.name,
    plan: tenant.plan,
    settings: tenant.settings,
    rp_id_locked: tenant.rpIdLockedAt !== undefined,
    created_at: tenant.createdAt,
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
  };
}
