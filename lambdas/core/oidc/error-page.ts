import { type HttpResponse, html } from '../http/types.ts';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page shown when an authorization request cannot be answered with a redirect (unknown client, bad
 * redirect_uri): redirecting then would make us an open redirector (RFC 6749 §4.1.2.1).
 */
export function errorPage(status: number, title: string, message: string, traceId: string): HttpResponse {
  return html(
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><small>Reference: ${escapeHtml(traceId)}</small></p></main></body></html>`,
  );
}
