import { brandOf } from '../core/branding.ts';
import { getStore } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, redirect } from '../core/http/types.ts';
import { localeOf } from '../core/i18n/locales.ts';
import { issuerOf } from '../core/issuer.ts';
import { answerConsent, checkConsentForm, consentSubjects, loadPendingConsent } from '../core/oidc/consent-answer.ts';
import { renderConsentPage } from '../core/oidc/consent-page.ts';
import { pageTenant } from '../core/passkeys/interaction-page.ts';
import { renderPageError } from '../core/passkeys/pages.ts';

/**
 * GET|POST {issuer}/consent?interaction=… — OIDC Core §3.1.2.4: after the sign-in, the user is asked whether the
 * application may use the account (a third-party client, `offline_access`, `prompt=consent`; see oidc/consent.ts).
 * GET shows the question for a pending interaction of this browser that a sign-in handed over; POST
 * (`interaction, csrf, decision=allow|deny`) answers it once and is answered with a 303 to the client: the code, or
 * `error=access_denied` (RFC 6749 §4.1.2.1). Anything that cannot be answered (expired, another browser, answered
 * already, a foreign form) is the hosted pages' error page.
 */
export async function consentPage(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  let locale = localeOf(req);
  const found = await pageTenant(req, store, locale);
  if ('page' in found) return found.page;
  const { tenant } = found;
  try {
    if (req.repeated.length > 0)
      throw new InvalidRequest('The address or form is malformed; start again from the application.');
    const post = req.method === 'POST';
    const pending = await loadPendingConsent(req, store, tenant, post ? req.form.interaction : req.query.interaction);
    locale = localeOf(req, pending);
    if (!post) {
      const { client, user } = await consentSubjects(store, tenant, pending);
      return renderConsentPage(
        issuerOf(req, tenant.id),
        tenant,
        pending,
        {
          clientName: client.clientName,
          firstParty: client.firstParty !== false,
          ...(client.fromMetadataDocument ? { documentHost: new URL(client.clientId).host } : {}),
          ...(user ? { email: user.email } : {}),
        },
        locale,
      );
    }
    checkConsentForm(req, tenant, pending);
    const decision = req.form.decision;
    if (decision !== 'allow' && decision !== 'deny')
      throw new InvalidRequest('The answer is missing; choose Allow or Deny.');
    const location = await answerConsent(req, store, tenant, pending, decision === 'allow');
    return { ...redirect(location), status: 303 };
  } catch (error) {
    return renderPageError(error, req.traceId, locale, brandOf(tenant));
  }
}

export const handler = createTenantHandler(consentPage, { allowRepeated: true, page: true });
