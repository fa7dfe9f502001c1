import { brandOf } from '../core/branding.ts';
import { getStore } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { localeOf } from '../core/i18n/locales.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { loadInteraction } from '../core/oidc/sign-in.ts';
import { renderPageError, renderRecoveryPage } from '../core/passkeys/pages.ts';
import type { Tenant } from '../core/store/tenants.ts';

/** GET {issuer}/recover?interaction=… — "Lost your passkey?": an emailed code, then a new passkey for the account. */
export async function showRecoveryPage(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  let tenant: Tenant | undefined;
  let locale = localeOf(req);
  try {
    tenant = await requireTenant(req, store);
    if (req.repeated.length > 0)
      throw new InvalidRequest('The recovery address is malformed; start again from the application.');
    const interaction = await loadInteraction(req, store, tenant, req.query.interaction);
    locale = localeOf(req, interaction);
    return renderRecoveryPage(issuerOf(req, tenant.id), tenant, interaction, locale);
  } catch (error) {
    return renderPageError(error, req.traceId, locale, tenant && brandOf(tenant));
  }
}

export const handler = createTenantHandler(showRecoveryPage, { allowRepeated: true, page: true });
