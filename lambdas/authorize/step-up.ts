import { verifyInitToken } from '../core/actions/step-up.ts';
import { epochSeconds } from '../core/clock.ts';
import { AccessDenied, InvalidRequest, InvalidScope } from '../core/errors.ts';
import { parseScope } from '../core/oidc/scopes.ts';
import { getSigner } from '../core/signing.ts';
import type { Client } from '../core/store/clients.ts';
import type { StepUp } from '../core/store/step-ups.ts';
import type { Store } from '../core/store/store.ts';
import type { Tenant } from '../core/store/tenants.ts';
import { isUserActive, type User } from '../core/store/users.ts';

/** Does a `login_hint` name this user (its email, `sub` or external id)? */
function namesUser(hint: string, user: User): boolean {
  return hint.toLowerCase() === user.email || hint === user.userId || hint === user.externalId;
}

/**
 * `token=` at authorize: the init token of a step-up action (POST {issuer}/init-auth). It must be this tenant's, live
 * and unused; it is spent here (one conditional update, so a replay or a second tab is refused), for the client and
 * scopes the backend named, and for its user only: a `login_hint` naming anyone else is a conflict. Every failure is
 * an error for the client's (already validated) redirect URI.
 */
export async function claimStepUp(
  store: Store,
  tenant: Tenant,
  client: Client,
  params: Readonly<Record<string, string>>,
  issuer: string,
  scope: string,
): Promise<{ stepUp: StepUp; user: User }> {
  const now = epochSeconds(store.clock);
  const { id, userId } = await verifyInitToken(await getSigner(), issuer, tenant.id, params.token ?? '', now);
  const user = await store.users.findUser(tenant.id, userId);
  if (!user) throw new InvalidRequest('The user the token was issued for no longer exists.');
  if (params.login_hint !== undefined && !namesUser(params.login_hint, user))
    throw new InvalidRequest('The token was issued for another user than login_hint names.');
  // Everything that can be checked is checked before the token is spent: a wrong request does not burn the action.
  const found = await store.stepUps.find(tenant.id, id);
  const spent = () => new InvalidRequest('The token was already used or has expired (an init token works once).');
  if (!found || found.userId !== userId || found.claimedAt !== undefined || found.expiresAt <= now) throw spent();
  if (found.clientId !== undefined && found.clientId !== client.clientId)
    throw new InvalidRequest('The token was issued for another application (appId).');
  // Without an appId the token is for the tenant's own applications only: a third-party, openly registered or
  // metadata-document client would get the user's tokens without the consent it always needs.
  if (found.clientId === undefined && (client.firstParty === false || client.fromMetadataDocument === true))
    throw new InvalidRequest('An init token without appId is for the tenant’s own (first-party) applications only.');
  if (found.scope !== undefined) {
    const allowed = new Set(parseScope(found.scope));
    const extra = parseScope(scope).filter((s) => !allowed.has(s));
    if (extra.length > 0) throw new InvalidScope(`The token does not allow the scopes: ${extra.join(' ')}.`);
  }
  if (!isUserActive(user, now)) throw new AccessDenied('The user is suspended.');
  const stepUp = await store.stepUps.claim(tenant.id, id, userId, now);
  if (!stepUp) throw spent();
  return { stepUp, user };
}
