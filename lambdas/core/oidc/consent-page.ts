import { brandOf } from '../branding.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Tenant } from '../store/tenants.ts';
import { formActionSource } from './authorization-response.ts';
import { scopesInWords } from './consent.ts';

/** What the consent page says about the application and the account. */
export interface ConsentView {
  readonly clientName: string;
  readonly firstParty: boolean;
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
): HttpResponse {
  const scopes = scopesInWords(interaction.scope)
    .map((words) => `<li>${escapeHtml(words)}</li>`)
    .join('');
  const hidden = (field: string, value: string) => `<input type="hidden" name="${field}" value="${escapeHtml(value)}">`;
  const account = view.email ? `\n<p>Signed in as <strong>${escapeHtml(view.email)}</strong></p>` : '';
  const thirdParty = view.firstParty
    ? ''
    : `\n<p>${escapeHtml(view.clientName)} is not run by ${escapeHtml(brandOf(tenant).name)}. You will be sent to <strong>${escapeHtml(destination(interaction.redirectUri))}</strong>.</p>`;
  return page(200, {
    title: `Allow access · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: `${view.clientName} wants to use your ${brandOf(tenant).name} account`,
    body: `${account.trimStart()}
<p>It will be able to:</p>
<ul>${scopes}</ul>${thirdParty}
<form method="post" action="${escapeHtml(`${issuer}/consent`)}">
${hidden('interaction', interaction.id)}
${hidden('csrf', interaction.csrf)}
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</form>
<p class="footer"><small>You can remove its access at any time on <a href="${escapeHtml(`${issuer}/account`)}">your account page</a>.</small></p>`,
    formTargets: [formActionSource(interaction.redirectUri)],
  });
}
