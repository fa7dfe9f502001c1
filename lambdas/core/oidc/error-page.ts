import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';

export { escapeHtml };

/**
 * The page for what a browser endpoint cannot continue from: an authorization request that cannot be answered with a
 * redirect (unknown client, unregistered redirect_uri: redirecting then would make us an open redirector, RFC 6749
 * §4.1.2.1), a sign-out that cannot proceed, a rate limit. The hosted pages' shell and branding; a message that says
 * what to do, and the reference to quote.
 */
export function errorPage(
  status: number,
  title: string,
  message: string,
  traceId: string,
  brand = 'Keyway',
): HttpResponse {
  return page(status, {
    title,
    brand,
    heading: title,
    body: `<p>${escapeHtml(message)}</p>
<p><small>Reference: ${escapeHtml(traceId)}</small></p>`,
  });
}
