import { brandOf } from '../core/branding.ts';
import { getStore } from '../core/deps.ts';
import { AccessDenied } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { t } from '../core/i18n/messages.ts';
import { interactionPage } from '../core/passkeys/interaction-page.ts';
import { renderErrorPage, renderSignUpPage } from '../core/passkeys/pages.ts';
import { requireSignUpOpen } from '../core/passkeys/sign-up.ts';

/** GET {issuer}/signup?interaction=… — create an account and its first passkey (when the tenant allows it). */
export function showSignUpPage(req: HttpRequest): Promise<HttpResponse> {
  return interactionPage(
    req,
    getStore(),
    'The sign-up address is malformed; start again from the application.',
    ({ issuer, tenant, interaction, locale }) => {
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
      return renderSignUpPage(issuer, tenant, interaction, locale);
    },
  );
}

export const handler = createTenantHandler(showSignUpPage, { allowRepeated: true, page: true });
