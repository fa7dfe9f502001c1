import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { loadInteractionForPost } from '../core/oidc/sign-in.ts';
import { verifyEmailCode } from '../core/passkeys/email-verification.ts';
import { EmailCodeVerifyBody } from '../core/passkeys/inputs.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/email/code/verify — `{ interaction, flowId, code }` → `{ verified: true }`; then the page asks for
 * passkey registration options with the `flowId`. A wrong, expired or used-up code is a 400 `invalid_code`.
 */
export async function checkEmailCode(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const body = parseInput(EmailCodeVerifyBody, req.json);
  const interaction = await loadInteractionForPost(req, store, tenant, body.interaction);
  return json(200, await verifyEmailCode(store, tenant, interaction, body.flowId, body.code));
}

export const handler = createTenantHandler(checkEmailCode);
