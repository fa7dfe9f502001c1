import { brandOf } from '../branding.ts';
import { InvalidRequest } from '../errors.ts';
import type { HttpRequest, HttpResponse } from '../http/types.ts';
import { type Locale, localeOf } from '../i18n/locales.ts';
import { t } from '../i18n/messages.ts';
import { findTenantOf, issuerOf, requireTenant } from '../issuer.ts';
import { loadInteraction } from '../oidc/sign-in.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { renderErrorPage, renderPageError } from './pages.ts';

/** What a hosted page of a pending sign-in renders from. */
export interface InteractionPageContext {
  readonly issuer: string;
  readonly tenant: Tenant;
  readonly interaction: Interaction;
  readonly locale: Locale;
}

/**
 * A GET page of a pending sign-in (`?interaction=…`: login, sign-up, recovery): the tenant, this browser's
 * interaction, its language; anything that cannot continue is a styled page in that language and the tenant's brand.
 */
export async function interactionPage(
  req: HttpRequest,
  store: Store,
  malformed: string,
  render: (context: InteractionPageContext) => HttpResponse,
): Promise<HttpResponse> {
  let tenant: Tenant | undefined;
  let locale = localeOf(req);
  try {
    tenant = await requireTenant(req, store);
    if (req.repeated.length > 0) throw new InvalidRequest(malformed);
    const interaction = await loadInteraction(req, store, tenant, req.query.interaction);
    locale = localeOf(req, interaction);
    return render({ issuer: issuerOf(req, tenant.id), tenant, interaction, locale });
  } catch (error) {
    return renderPageError(error, req.traceId, locale, tenant && brandOf(tenant));
  }
}

/**
 * The tenant a hosted page (consent, device, invitation, account) is for, or the styled "page not found" in the
 * request's language: the first step of each page handler, written once.
 */
export async function pageTenant(
  req: HttpRequest,
  store: Store,
  locale: Locale,
  explanation: 'error.noSuchSignInAddress' | 'error.noSuchAccountAddress' = 'error.noSuchSignInAddress',
): Promise<{ tenant: Tenant } | { page: HttpResponse }> {
  const tenant = await findTenantOf(req, store);
  if (tenant) return { tenant };
  return {
    page: renderErrorPage(404, t(locale, 'error.notFound'), t(locale, explanation), req.traceId, undefined, { locale }),
  };
}
