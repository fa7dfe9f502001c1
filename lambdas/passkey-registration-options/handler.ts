import { getStore } from '../core/deps.ts';
import { createHandler } from '../core/http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { startPasskeyRegistration } from '../core/passkeys/ceremony-options.ts';
import { RegistrationOptionsBody } from '../core/passkeys/inputs.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/passkeys/registration/options — `{ interaction, email, givenName, familyName }` →
 * `{ challengeId, options }`.
 */
export async function createRegistrationOptions(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const { interaction: interactionId, ...account } = parseInput(RegistrationOptionsBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, interactionId);
  return json(200, await startPasskeyRegistration(req, store, tenant, interaction, account));
}

export const handler = createHandler(createRegistrationOptions);
