import { getStore } from '../core/deps.ts';
import { getMailer } from '../core/email/mailer.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { sendEmailCode } from '../core/passkeys/email-verification.ts';
import { EmailCodeBody } from '../core/passkeys/inputs.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/email/code — `{ interaction, purpose: signup|recovery, email, givenName?, familyName? }` →
 * `{ flowId, expiresIn }`, the same answer for every address; the email says what the address can do.
 */
export async function requestEmailCode(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const { interaction: interactionId, ...request } = parseInput(EmailCodeBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, interactionId);
  const mailer = await getMailer();
  return json(200, await sendEmailCode(req, { store, mailer }, tenant, interaction, request));
}

export const handler = createTenantHandler(requestEmailCode);
