import { brandOf } from '../core/branding.ts';
import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { localeOf } from '../core/i18n/locales.ts';
import { pageTenant } from '../core/passkeys/interaction-page.ts';
import { acceptInvitation, showInvitation } from '../core/passkeys/invitation.ts';
import { renderPageError } from '../core/passkeys/pages.ts';

/**
 * GET|POST {issuer}/invitation — the link of an invitation email (core/passkeys/invitation.ts): GET shows who it is
 * for without spending it, POST (the page's Continue) spends it and answers with the page that creates the passkey.
 * Every link that cannot be used, for whatever reason, gets the same page: ask for a new one.
 */
export async function invitationPage(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const locale = localeOf(req);
  const found = await pageTenant(req, store, locale);
  if ('page' in found) return found.page;
  const { tenant } = found;
  try {
    return req.method === 'POST'
      ? await acceptInvitation(req, store, tenant)
      : await showInvitation(req, store, tenant);
  } catch (error) {
    return renderPageError(error, req.traceId, locale, brandOf(tenant));
  }
}

export const handler = createTenantHandler(invitationPage, { allowRepeated: true, page: true });
