import type { Brand } from '../branding.ts';
import { randomToken } from '../crypto.ts';
import { directionOf, type Locale } from '../i18n/locales.ts';
import { t } from '../i18n/messages.ts';
import { escapeHtml } from './escape-html.ts';
import { type HttpResponse, html } from './types.ts';

/**
 * Server-rendered hosted pages. Every dynamic value is HTML-escaped; the only script and style are inline
 * blocks carrying this response's CSP nonce, so nothing injected could run or restyle the page.
 */

export { escapeHtml };

/** A CSP scheme-source (`com.example.app:`) or host-source without a path (`https://app.example.com`). */
const FORM_TARGET = /^[a-z][a-z0-9+.-]*:(\/\/[a-z0-9.:[\]-]+)?$/i;

/**
 * `formTargets` widen `form-action` beyond 'self': Chromium applies it to the redirect that answers a form's POST too.
 * Anything that is not a plain source expression is left out, so no value can add a directive of its own.
 */
export function contentSecurityPolicy(
  nonce: string,
  formTargets: readonly string[] = [],
  imageOrigin?: string,
): string {
  const formAction = ["'self'", ...new Set(formTargets.filter((t) => FORM_TARGET.test(t)))];
  const images = imageOrigin && /^https:\/\/[a-z0-9.:[\]-]+$/i.test(imageOrigin) ? ` ${imageOrigin}` : '';
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    `form-action ${formAction.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `img-src 'self' data:${images}`,
  ].join('; ');
}

const STYLE = `
:root { color-scheme: light dark; --accent: #2f5bea; --fg: #14171f; --muted: #5b6475; --bg: #f4f6fb; --card: #fff;
  --line: #d7dce6; --danger: #b42318; --danger-bg: #fdecea; }
@media (prefers-color-scheme: dark) { :root { --accent: #7c9cff; --fg: #e8ebf2; --muted: #a3acbd; --bg: #11141b;
  --card: #1a1e27; --line: #323846; --danger: #ffb4ab; --danger-bg: #3b1512; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1.5rem; background: var(--bg);
  color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: 100%; max-width: 24rem; background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  padding: 2rem; box-shadow: 0 1px 3px rgb(0 0 0 / 8%); }
.brand { margin: 0 0 .25rem; color: var(--muted); font-weight: 600; letter-spacing: .02em; }
h1 { margin: 0 0 1.25rem; font-size: 1.5rem; line-height: 1.2; }
label { display: block; margin: .75rem 0 .25rem; font-weight: 600; font-size: .95rem; }
input { width: 100%; padding: .6rem .75rem; font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--line); border-radius: 8px; }
button { width: 100%; margin-top: 1rem; padding: .7rem 1rem; font: inherit; font-weight: 600; border-radius: 8px;
  cursor: pointer; border: 1px solid var(--accent); }
button.primary { background: var(--accent); color: #fff; }
button.secondary { background: transparent; color: var(--accent); }
button:disabled { opacity: .6; cursor: progress; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.divider { display: flex; align-items: center; gap: .75rem; margin: 1.25rem 0 0; color: var(--muted); font-size: .9rem; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
.alert { margin: 0 0 1rem; padding: .75rem; border-radius: 8px; color: var(--danger); background: var(--danger-bg); }
.alert:empty, .status:empty { display: none; }
.status { margin: 1rem 0 0; color: var(--muted); }
.footer { margin: 1.5rem 0 0; color: var(--muted); font-size: .95rem; }
a { color: var(--accent); }
small { color: var(--muted); }
.brand img { display: block; height: 2.5rem; width: auto; max-width: 12rem; object-fit: contain; margin: 0 0 .5rem; }
.legal { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1.5rem 0 0; font-size: .85rem; }
.legal a { color: var(--muted); }
main.wide { max-width: 40rem; }
section { margin: 1.75rem 0 0; padding: 1.25rem 0 0; border-top: 1px solid var(--line); }
h2 { margin: 0 0 .75rem; font-size: 1.15rem; }
.item { padding: .75rem 0; border-bottom: 1px solid var(--line); }
.item:last-of-type { border-bottom: 0; }
.item form { display: flex; gap: .5rem; align-items: end; margin-top: .5rem; }
.item form button { width: auto; margin-top: 0; padding: .5rem .9rem; }
.item form input { flex: 1; }
.inline { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
.inline input { width: auto; }
.notice { margin: 0 0 1rem; padding: .75rem; border-radius: 8px; border: 1px solid var(--line); }
.badge { display: inline-block; margin-left: .4rem; padding: 0 .45rem; border-radius: 999px; font-size: .8rem;
  border: 1px solid var(--line); color: var(--muted); }
`;

export interface PageParts {
  /** The page's language: `<html lang dir>`, and the shell's own words. */
  readonly locale: Locale;
  readonly title: string;
  /** The tenant's name, or its brand (brandOf: display name, logo, colours, footer links). */
  readonly brand: string | Brand;
  readonly heading: string;
  readonly body: string;
  /** `data-*` attributes on `#keyway`, read by `script`. */
  readonly data?: Record<string, string>;
  /** The page's one inline script (it gets the CSP nonce); absent: a page without script. */
  readonly script?: string;
  /**
   * Where a form's POST may end up besides this origin (CSP source expressions, e.g. a registered post-logout URI's
   * origin): only end-session, whose confirmation is answered with a redirect to the application.
   */
  readonly formTargets?: readonly string[];
  /** A wider card (the account page's lists). */
  readonly wide?: boolean;
}

/**
 * The brand's colours as custom properties after the shared sheet (validated `#rrggbb` values, so nothing else can
 * enter the style). Links in the dark scheme keep a light tint, since a brand colour chosen for white text would be
 * too dark there.
 */
function brandStyle(brand: Brand): string {
  const b = brand.branding;
  const hex = (v: string | undefined) => (v && /^#[0-9a-f]{6}$/i.test(v) ? v : undefined);
  const primary = hex(b?.primaryColor);
  const background = hex(b?.backgroundColor);
  if (!primary && !background) return '';
  const light = [primary && `--accent: ${primary};`, background && `--bg: ${background};`].filter(Boolean).join(' ');
  return `\n:root { ${light} }${primary ? `\n@media (prefers-color-scheme: dark) { :root { --accent: ${primary}; } a, button.secondary { color: #aab8ff; } }` : ''}`;
}

function brandLine(brand: Brand): string {
  const logo = brand.branding?.logoUrl;
  const img = logo ? `<img src="${escapeHtml(logo)}" alt="">` : '';
  return `<p class="brand">${img}${escapeHtml(brand.name)}</p>`;
}

function legalLinks(brand: Brand, locale: Locale): string {
  const b = brand.branding;
  const links = [
    [b?.supportUrl, t(locale, 'shell.help')],
    [b?.privacyUrl, t(locale, 'shell.privacy')],
    [b?.termsUrl, t(locale, 'shell.terms')],
  ].filter((l): l is [string, string] => typeof l[0] === 'string');
  return links.length
    ? `\n<nav class="legal">${links.map(([href, label]) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`).join('')}</nav>`
    : '';
}

/** The origin of an https logo, the one remote source a page may load. */
function logoOrigin(brand: Brand): string | undefined {
  const url = brand.branding?.logoUrl ? URL.parse(brand.branding.logoUrl) : null;
  return url?.protocol === 'https:' ? url.origin : undefined;
}

/** The shell every hosted page shares: branding line, heading, the one style sheet, a nonce-based CSP. */
export function page(status: number, parts: PageParts): HttpResponse {
  const nonce = randomToken(18);
  const brand: Brand = typeof parts.brand === 'string' ? { name: parts.brand } : parts.brand;
  const data = Object.entries(parts.data ?? {})
    .map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`)
    .join('');
  const script = parts.script ? `\n<script nonce="${nonce}">${parts.script}</script>` : '';
  return html(
    status,
    `<!doctype html>
<html lang="${parts.locale}" dir="${directionOf(parts.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(parts.title)}</title>
<style nonce="${nonce}">${STYLE}${brandStyle(brand)}</style>
</head>
<body>
<main id="keyway"${parts.wide ? ' class="wide"' : ''}${data}>
${brandLine(brand)}
<h1>${escapeHtml(parts.heading)}</h1>
${parts.body}${legalLinks(brand, parts.locale)}
</main>${script}
</body>
</html>
`,
    { 'Content-Security-Policy': contentSecurityPolicy(nonce, parts.formTargets, logoOrigin(brand)) },
  );
}
