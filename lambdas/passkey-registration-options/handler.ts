import { epochSeconds } from '../core/clock.ts';
import { getStore } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { startPasskeyRegistration } from '../core/passkeys/ceremony-options.ts';
import { RegistrationOptionsBody } from '../core/passkeys/inputs.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/passkeys/registration/options — `{ interaction, flowId }` (after the emailed code: sign-up or
 * recovery) or, where the tenant allows unverified sign-up, `{ interaction, email, givenName, familyName }` →
 * `{ challengeId, options }`.
 */
export async function createRegistrationOptions(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const { interaction: interactionId, ...source } = parseInput(RegistrationOptionsBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, interactionId);
  // The first ceremony fixes the tenant's RP ID (one write per tenant): passkeys made now are bound to it.
  if (tenant.rpIdLockedAt === undefined && !(await store.tenants.lockRpId(tenant, epochSeconds(store.clock))))
    throw new InvalidRequest(
      'The sign-in settings of this service changed a moment ago; start again from the application.',
    );
  return json(200, await startPasskeyRegistration(req, store, tenant, interaction, source));
}

export const handler = createTenantHandler(createRegistrationOptions);
