import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { interactionPage } from '../core/passkeys/interaction-page.ts';
import { renderSignInPage } from '../core/passkeys/pages.ts';

/** GET {issuer}/login?interaction=… — the hosted passkey sign-in page authorize sends the browser to. */
export function showSignInPage(req: HttpRequest): Promise<HttpResponse> {
  return interactionPage(
    req,
    getStore(),
    'The sign-in address is malformed; start again from the application.',
    ({ issuer, tenant, interaction, locale }) => renderSignInPage(issuer, tenant, interaction, locale),
  );
}

export const handler = createTenantHandler(showSignInPage, { allowRepeated: true, page: true });
