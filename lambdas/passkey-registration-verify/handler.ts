import { getStore } from '../core/deps.ts';
import { getMailer } from '../core/email/mailer.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { RegistrationVerifyBody } from '../core/passkeys/inputs.ts';
import { finishPasskeyRegistration } from '../core/passkeys/registration.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/passkeys/registration/verify — `{ interaction, challengeId, response }` → `{ redirectTo }`; a passkey
 * added to an existing account (recovery, the account page) also emails the address a notice.
 */
export async function verifyPasskeyRegistration(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const body = parseInput(RegistrationVerifyBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, body.interaction);
  const { redirectTo, cookies } = await finishPasskeyRegistration(
    req,
    store,
    tenant,
    interaction,
    body.challengeId,
    body.response,
    { mailer: getMailer },
  );
  return { ...json(200, { redirectTo }), cookies };
}

export const handler = createTenantHandler(verifyPasskeyRegistration);
