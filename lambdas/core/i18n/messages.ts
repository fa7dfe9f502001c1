import { escapeText } from '../http/escape-html.ts';
import { de } from './catalogs/de.ts';
import { en, type MessageKey } from './catalogs/en.ts';
import { es } from './catalogs/es.ts';
import { fr } from './catalogs/fr.ts';
import type { Locale } from './locales.ts';

export type { MessageKey };

export const CATALOGS: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = { en, de, fr, es };

function fill(text: string, vars: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

/** A message as text, its `{name}` placeholders filled. */
export function t(locale: Locale, key: MessageKey, vars: Readonly<Record<string, string | number>> = {}): string {
  return fill(CATALOGS[locale][key], vars);
}

/**
 * A message as HTML: the catalog text is escaped as text content (never use it in an attribute), the placeholders take `html` as given (the caller escapes what it
 * puts there, so a value can carry a link or `<strong>`).
 */
export function tHtml(locale: Locale, key: MessageKey, html: Readonly<Record<string, string>> = {}): string {
  return fill(escapeText(CATALOGS[locale][key]), html);
}

/** The messages of the given prefix (e.g. `script.`), without the prefix: what the page script receives. */
export function messagesWithPrefix(locale: Locale, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(CATALOGS[locale]))
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = text;
  return out;
}
