import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { startPasskeyAuthentication } from '../core/passkeys/ceremony-options.ts';
import { AuthenticationOptionsBody } from '../core/passkeys/inputs.ts';
import { parseInput } from '../core/validation.ts';

/** POST {issuer}/passkeys/authentication/options — `{ interaction, email? }` → `{ challengeId, options }`. */
export async function createAuthenticationOptions(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const body = parseInput(AuthenticationOptionsBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, body.interaction);
  return json(200, await startPasskeyAuthentication(req, { store }, tenant, interaction, body.email));
}

export const handler = createTenantHandler(createAuthenticationOptions);
