import { describe, expect, it } from 'vitest';
import { en } from '../../lambdas/core/i18n/catalogs/en.ts';
import { directionOf, negotiateLocale, SUPPORTED_LOCALES } from '../../lambdas/core/i18n/locales.ts';
import { CATALOGS, t } from '../../lambdas/core/i18n/messages.ts';

const placeholders = (text: string) => [...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  it('every catalog has every English key, non-empty, and no key English lacks', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const catalog: Record<string, string> = CATALOGS[locale];
      expect(Object.keys(catalog).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(catalog)) expect(text.trim(), `${locale} ${key}`).not.toBe('');
    }
  });

  it('each key has the same placeholders in every catalog', () => {
    for (const locale of SUPPORTED_LOCALES)
      for (const [key, text] of Object.entries(en))
        expect(placeholders(CATALOGS[locale][key as keyof typeof en]), `${locale} ${key}`).toEqual(placeholders(text));
  });

  it('the other catalogs are translations, not copies of English', () => {
    for (const locale of ['de', 'fr', 'es'] as const) {
      const same = Object.keys(en).filter((k) => CATALOGS[locale][k as keyof typeof en] === en[k as keyof typeof en]);
      // Words that are the same in both languages (e.g. "Passkeys", "Profil"), never whole sentences.
      expect(
        same.filter((k) => en[k as keyof typeof en].includes(' ')),
        locale,
      ).toEqual([]);
    }
  });

  it('t fills placeholders and leaves unknown ones as written', () => {
    expect(t('de', 'signIn.newTo', { tenant: 'Acme' })).toBe('Neu bei Acme?');
    expect(t('en', 'signIn.newTo')).toBe('New to {tenant}?');
  });

  it('every locale is written left to right', () => {
    for (const locale of SUPPORTED_LOCALES) expect(directionOf(locale)).toBe('ltr');
  });
});

describe('negotiateLocale', () => {
  it('OIDC Core §3.1.2.1: ui_locales is a preference list, first supported tag wins, before Accept-Language', () => {
    expect(negotiateLocale({ uiLocales: 'fr-CA es', acceptLanguage: 'de' })).toBe('fr');
    expect(negotiateLocale({ uiLocales: 'ja it es', acceptLanguage: 'de' })).toBe('es');
    expect(negotiateLocale({ uiLocales: 'ja', acceptLanguage: 'de-DE' })).toBe('de');
  });

  it('RFC 9110 §12.5.4: Accept-Language by q-value, ties in order, q=0 excluded', () => {
    expect(negotiateLocale({ acceptLanguage: 'en;q=0.5, fr;q=0.9, de;q=0.7' })).toBe('fr');
    expect(negotiateLocale({ acceptLanguage: 'ja, es, de' })).toBe('es');
    expect(negotiateLocale({ acceptLanguage: 'de;q=0, fr;q=0.1' })).toBe('fr');
    expect(negotiateLocale({ acceptLanguage: '*, es;q=0.5' })).toBe('es');
  });

  it('RFC 5646 tags match on their primary language, case-insensitively', () => {
    expect(negotiateLocale({ acceptLanguage: 'de-CH' })).toBe('de');
    expect(negotiateLocale({ uiLocales: 'ES-419' })).toBe('es');
    expect(negotiateLocale({ acceptLanguage: 'fr-Latn-FR;q=0.8' })).toBe('fr');
  });

  it('falls back to English for unsupported, empty or malformed input', () => {
    expect(negotiateLocale({})).toBe('en');
    expect(negotiateLocale({ uiLocales: 'ja zh', acceptLanguage: 'pt-BR, *' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: ';;, ,q=x' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'de;q=abc' })).toBe('en');
  });
});
