import { brandOf } from '../branding.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import type { Locale } from '../i18n/locales.ts';
import { t, tHtml } from '../i18n/messages.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Tenant } from '../store/tenants.ts';
import { formActionSource } from './authorization-response.ts';
import { scopesInWords } from './consent.ts';

/** What the consent page says about the application and the account. */
export interface ConsentView {
  readonly clientName: string;
  readonly firstParty: boolean;
  /**
   * For a client described by its Client ID Metadata Document: the host of its client_id URL, shown next to the name
   * the document claims (draft-ietf-oauth-client-id-metadata-document §6.4: the hostname tells who it really is).
   */
  readonly documentHost?: string;
  /** The signed-in account's address, so the person sees which account the application gets. */
  readonly email?: string;
}

/**
 * The host a redirect URI sends the browser to, as people read it: `app.example.com`, or the scheme of a private-use
 * URI (RFC 8252 §7.1: `com.example.app`).
 */
function destination(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host || url.protocol.replace(/:$/, '');
}

/**
 * `{issuer}/consent`: "{client} wants to use your {tenant} account", the requested scopes in plain words, where a
 * third-party application sends the browser, and Allow / Deny. A plain form (no script) that posts back with the
 * interaction's anti-CSRF token; both answers are redirects to the application, so its origin joins `form-action`.
 */
export function renderConsentPage(
  issuer: string,
  tenant: Tenant,
  interaction: Interaction,
  view: ConsentView,
  locale: Locale,
): HttpResponse {
  const tenantName = brandOf(tenant).name;
  const scopes = scopesInWords(interaction.scope, locale)
    .map((words) => `<li>${escapeHtml(words)}</li>`)
    .join('');
  const hidden = (field: string, value: string) => `<input type="hidden" name="${field}" value="${escapeHtml(value)}">`;
  const account = view.email
    ? `\n<p>${tHtml(locale, 'common.signedInAs', { who: `<strong>${escapeHtml(view.email)}</strong>` })}</p>`
    : '';
  const thirdParty = view.firstParty
    ? ''
    : `\n<p>${tHtml(locale, 'consent.notRunBy', {
        client: escapeHtml(view.clientName),
        tenant: escapeHtml(tenantName),
        destination: `<strong>${escapeHtml(destination(interaction.redirectUri))}</strong>`,
      })}</p>`;
  const identifiedBy = view.documentHost
    ? `\n<p>${tHtml(locale, 'consent.identifiedBy', { host: `<strong>${escapeHtml(view.documentHost)}</strong>` })}</p>`
    : '';
  return page(200, {
    locale,
    title: `${t(locale, 'consent.title')} · ${tenantName}`,
    brand: brandOf(tenant),
    heading: t(locale, 'consent.heading', { client: view.clientName, tenant: tenantName }),
    body: `${account.trimStart()}
<p>${tHtml(locale, 'consent.canDo')}</p>
<ul>${scopes}</ul>${thirdParty}${identifiedBy}
<form method="post" action="${escapeHtml(`${issuer}/consent`)}">
${hidden('interaction', interaction.id)}
${hidden('csrf', interaction.csrf)}
<button class="primary" type="submit" name="decision" value="allow">${tHtml(locale, 'common.allow')}</button>
<button class="secondary" type="submit" name="decision" value="deny">${tHtml(locale, 'common.deny')}</button>
</form>
<p class="footer"><small>${tHtml(locale, 'consent.removeAnytime', { link: `<a href="${escapeHtml(`${issuer}/account`)}">${tHtml(locale, 'consent.accountPage')}</a>` })}</small></p>`,
    formTargets: [formActionSource(interaction.redirectUri)],
  });
}
