import { brandOf } from '../branding.ts';
import type { HttpRequest } from '../http/types.ts';
import type { Tenant } from '../store/tenants.ts';

/** Who the browser and the authenticator think they are talking to during a WebAuthn ceremony. */
export interface RelyingParty {
  /** Scopes every passkey: it cannot change later without losing them all (WebAuthn §5.1.4 / §7.1 step 15). */
  readonly id: string;
  /** Shown by the browser and the authenticator. */
  readonly name: string;
  /** The only origin the hosted pages are served from; clientDataJSON.origin must equal it. */
  readonly origin: string;
}

/** The tenant's RP ID (its own registrable domain when set, else the deployment's host) and the pages' origin. */
export function relyingPartyOf(req: HttpRequest, tenant: Tenant): RelyingParty {
  const base = new URL(req.baseUrl);
  return { id: tenant.settings.rpId ?? base.hostname, name: brandOf(tenant).name, origin: base.origin };
}
