import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { finishPasskeyAuthentication } from '../core/passkeys/authentication.ts';
import { AuthenticationVerifyBody } from '../core/passkeys/inputs.ts';
import { parseInput } from '../core/validation.ts';

/** POST {issuer}/passkeys/authentication/verify — `{ interaction, challengeId, response }` → `{ redirectTo }`. */
export async function verifyPasskeyAssertion(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const body = parseInput(AuthenticationVerifyBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, body.interaction);
  const { redirectTo, cookies } = await finishPasskeyAuthentication(
    req,
    store,
    tenant,
    interaction,
    body.challengeId,
    body.response,
  );
  return { ...json(200, { redirectTo }), cookies };
}

export const handler = createTenantHandler(verifyPasskeyAssertion);
