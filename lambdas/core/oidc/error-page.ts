import type { Brand } from '../branding.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import type { Locale } from '../i18n/locales.ts';
import { tHtml } from '../i18n/messages.ts';
import type { Client } from '../store/clients.ts';

export { escapeHtml };

/** What an error page may add to its message for people. */
export interface ErrorPageExtras {
  /**
   * The page's language, for its own words ("Reference", "Back to …"); title and message come translated by the caller.
   * @default 'en' (the rate-limit page of core/http/handler.ts, which has no request locale at hand)
   */
  readonly locale?: Locale;
  /** The technical reason, for the application's developers: folded away under the message, never instead of it. */
  readonly developerDetail?: string;
  /** A way back to the application, only to an address its registration names (see `backToClient`). */
  readonly back?: { readonly name: string; readonly href: string };
}

/**
 * The page for what a browser endpoint cannot continue from: an authorization request that cannot be answered with a
 * redirect (unknown client, unregistered redirect_uri: redirecting then would make us an open redirector, RFC 6749
 * §4.1.2.1), a sign-out that cannot proceed, a rate limit. The hosted pages' shell and branding; a message for people
 * (what happened, what to do), then small: the developers' detail and the reference to quote.
 */
export function errorPage(
  status: number,
  title: string,
  message: string,
  traceId: string,
  brand: string | Brand = 'Keyway',
  extras: ErrorPageExtras = {},
): HttpResponse {
  const locale = extras.locale ?? 'en';
  const back = extras.back
    ? `\n<p><a href="${escapeHtml(extras.back.href)}">${tHtml(locale, 'error.back', { client: escapeHtml(extras.back.name) })}</a></p>`
    : '';
  const detail = extras.developerDetail
    ? `\n<details><summary><small>${tHtml(locale, 'error.developers')}</small></summary><p><small>${escapeHtml(extras.developerDetail)}</small></p></details>`
    : '';
  return page(status, {
    locale,
    title,
    brand,
    heading: title,
    body: `<p>${escapeHtml(message)}</p>${back}${detail}
<p class="footer"><small>${tHtml(locale, 'error.reference', { reference: escapeHtml(traceId) })}</small></p>`,
  });
}

/**
 * "Back to {client}" for an error page: the origin of the client's first registered `https` redirect URI, so the link
 * goes only where the tenant's registration says the application lives, never to an address the request brought
 * (an unregistered redirect_uri must not become a link). Native and loopback-only clients get no link.
 */
export function backToClient(client: Pick<Client, 'clientName' | 'redirectUris'>): ErrorPageExtras['back'] {
  for (const uri of client.redirectUris) {
    const url = URL.parse(uri);
    if (url?.protocol === 'https:') return { name: client.clientName, href: `${url.origin}/` };
  }
  return undefined;
}
