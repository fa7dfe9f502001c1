import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { interactionPage } from '../core/passkeys/interaction-page.ts';
import { renderRecoveryPage } from '../core/passkeys/pages.ts';

/** GET {issuer}/recover?interaction=… — "Lost your passkey?": an emailed code, then a new passkey for the account. */
export function showRecoveryPage(req: HttpRequest): Promise<HttpResponse> {
  return interactionPage(
    req,
    getStore(),
    'The recovery address is malformed; start again from the application.',
    ({ issuer, tenant, interaction, locale }) => renderRecoveryPage(issuer, tenant, interaction, locale),
  );
}

export const handler = createTenantHandler(showRecoveryPage, { allowRepeated: true, page: true });
