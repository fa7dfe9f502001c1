import { brandOf } from '../core/branding.ts';
import { getStore } from '../core/deps.ts';
import { AccessDenied, InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { localeOf } from '../core/i18n/locales.ts';
import { t } from '../core/i18n/messages.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { loadInteraction } from '../core/oidc/sign-in.ts';
import { renderErrorPage, renderPageError, renderSignUpPage } from '../core/passkeys/pages.ts';
import { requireSignUpOpen } from '../core/passkeys/sign-up.ts';
import type { Tenant } from '../core/store/tenants.ts';

/** GET {issuer}/signup?interaction=… — create an account and its first passkey (when the tenant allows it). */
export async function showSignUpPage(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  let tenant: Tenant | undefined;
  let locale = localeOf(req);
  try {
    tenant = await requireTenant(req, store);
    if (req.repeated.length > 0)
      throw new InvalidRequest('The sign-up address is malformed; start again from the application.');
    const interaction = await loadInteraction(req, store, tenant, req.query.interaction);
    locale = localeOf(req, interaction);
    try {
      requireSignUpOpen(tenant);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      // The detail's words, in the page's language (core/passkeys/sign-up.ts says the same in English).
      return renderErrorPage(
        403,
        t(locale, 'error.signUpClosed'),
        locale === 'en' ? error.detail : t(locale, 'error.signUpClosedMessage', { tenant: brandOf(tenant).name }),
        req.traceId,
        brandOf(tenant),
        { locale },
      );
    }
    return renderSignUpPage(issuerOf(req, tenant.id), tenant, interaction, locale);
  } catch (error) {
    return renderPageError(error, req.traceId, locale, tenant && brandOf(tenant));
  }
}

export const handler = createTenantHandler(showSignUpPage, { allowRepeated: true, page: true });
