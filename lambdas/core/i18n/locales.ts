/**
 * The languages of the hosted pages and emails, and how a request picks one: OIDC Core §3.1.2.1 `ui_locales` (a
 * space-separated preference list of RFC 5646 tags) first, then the browser's `Accept-Language` (RFC 9110 §12.5.4,
 * q-values), each tag matched on its primary language (`de-CH` → `de`); English when nothing matches.
 *
 * What stays English: a KeywayError's `detail` (problem+json, logs, and "Details for the application's developers";
 * pages outside English show the catalog's message for the error's `code` instead, core/passkeys/pages.ts), dates
 * (`2026-12-01 13:45 UTC`), scope names without catalog words, and the rate-limit page of core/http/handler.ts.
 */
export const SUPPORTED_LOCALES = ['en', 'de', 'fr', 'es'] as const;

export type Locale = (typeof SUPPORTED_LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

/** The supported locale a language tag names (`de-CH`, `DE`, `fr-ca` …), if any. */
function supported(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return SUPPORTED_LOCALES.find((l) => l === primary);
}

/** The tags of an Accept-Language value, best first; `q=0` means "not this one", `*` names nothing in particular. */
function acceptedTags(header: string): string[] {
  return header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => /^q=/i.test(p));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((t) => t.tag !== '' && t.tag !== '*' && t.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((t) => t.tag);
}

export function negotiateLocale(input: { readonly uiLocales?: string; readonly acceptLanguage?: string }): Locale {
  for (const tag of (input.uiLocales ?? '').split(' ')) {
    const locale = tag ? supported(tag) : undefined;
    if (locale) return locale;
  }
  for (const tag of acceptedTags(input.acceptLanguage ?? '')) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/** The `dir` of the page's `<html>`: all four are written left to right; a right-to-left locale would add itself here. */
export function directionOf(_locale: Locale): 'ltr' | 'rtl' {
  return 'ltr';
}

/**
 * The locale of a hosted-page request: its interaction's `ui_locales` (stored at authorize) or, for a page without
 * one, a `ui_locales` query or form parameter; then Accept-Language.
 */
export function localeOf(
  req: {
    readonly headers: Readonly<Record<string, string | undefined>>;
    readonly query?: Readonly<Record<string, string | undefined>>;
    readonly form?: Readonly<Record<string, string | undefined>>;
  },
  interaction?: { readonly uiLocales?: string | undefined },
): Locale {
  const uiLocales = interaction?.uiLocales ?? req.form?.ui_locales ?? req.query?.ui_locales;
  return negotiateLocale({
    ...(uiLocales !== undefined ? { uiLocales } : {}),
    ...(req.headers['accept-language'] !== undefined ? { acceptLanguage: req.headers['accept-language'] } : {}),
  });
}
