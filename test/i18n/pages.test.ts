import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountCsrf } from '../../lambdas/core/account/account.ts';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { en } from '../../lambdas/core/i18n/catalogs/en.ts';
import { type Locale, SUPPORTED_LOCALES } from '../../lambdas/core/i18n/locales.ts';
import { BROWSER_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  latestMail,
  postPage,
  REDIRECT_URI,
  signUp,
  startInteraction,
} from '../passkeys/fixtures.ts';
import { startTestKeyway } from '../support/keyway.ts';

/** One string per locale that each page must show (the catalog's own words, as the page escapes them). */
type PageName = 'login' | 'signup' | 'recover' | 'consent' | 'account' | 'device' | 'endSession' | 'error';
const EXPECTED: Record<Locale, Record<PageName, string>> = {
  en: {
    login: 'Sign in with a passkey',
    signup: 'Create account',
    recover: 'Recover your account',
    consent: 'It will be able to:',
    account: 'Where you are signed in',
    device: 'Enter the code shown on your device',
    endSession: 'You are signed out',
    error: 'This sign-in cannot continue',
  },
  de: {
    login: 'Mit einem Passkey anmelden',
    signup: 'Konto erstellen',
    recover: 'Konto wiederherstellen',
    consent: 'Die Anwendung kann dann:',
    account: 'Wo Sie angemeldet sind',
    device: 'Geben Sie den Code ein, der auf Ihrem Gerät angezeigt wird',
    endSession: 'Sie sind abgemeldet',
    error: 'Diese Anmeldung kann nicht fortgesetzt werden',
  },
  fr: {
    login: 'Se connecter avec une clé d’accès',
    signup: 'Créer un compte',
    recover: 'Récupérer votre compte',
    consent: 'L’application pourra :',
    account: 'Où vous êtes connecté',
    device: 'Saisissez le code affiché sur votre appareil',
    endSession: 'Vous êtes déconnecté',
    error: 'Cette connexion ne peut pas continuer',
  },
  es: {
    login: 'Iniciar sesión con una llave de acceso',
    signup: 'Crear cuenta',
    recover: 'Recuperar su cuenta',
    consent: 'Podrá:',
    account: 'Dónde tiene la sesión iniciada',
    device: 'Introduzca el código que se muestra en su dispositivo',
    endSession: 'Ha cerrado sesión',
    error: 'Este inicio de sesión no puede continuar',
  },
};

const KEYS = Object.keys(en);

let keyway: LocalKeyway;
let tenant: Tenant;
let account: { sid: string; cookie: string; userId: string };
beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway, { signUpOpen: true });
  await keyway.store.clients.createClient({
    tenantId: tenant.id,
    clientId: 'partner',
    clientName: 'Partner App',
    firstParty: false,
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code'],
    tokenEndpointAuthMethod: 'none',
    scope: 'openid profile email',
    allowedOrigins: [],
    issuedAt: Math.floor(Date.now() / 1000),
  });
  const done = await signUp(keyway, tenant, authenticatorFor(keyway), {
    ...ACCOUNT,
    email: `i18n-${Date.now()}@example.com`,
  });
  const sid = done.res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
  const userId = (await keyway.store.sessions.findSession(tenant.id, sid))!.userId;
  account = { sid, cookie: `kw_session=${sid}; ${done.pending.cookie}`, userId };
});
afterAll(async () => keyway?.stop());

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${keyway.url}/${tenant.id}${path}`, { headers, redirect: 'manual' });
  return { res, html: await res.text() };
}

/** authorize with `ui_locales`: the interaction it stores carries the language to the pages after it. */
async function authorizeWith(uiLocales: string) {
  const query = new URLSearchParams({
    client_id: 'app',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid',
    state: 's',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ui_locales: uiLocales,
  });
  const { res } = await get(`/authorize?${query}`);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { interaction: location.searchParams.get('interaction')!, cookie };
}

function expectLocalized(html: string, locale: Locale, text: string, where: string) {
  expect(html, where).toContain(`<html lang="${locale}" dir="ltr">`);
  expect(html, where).toContain(text);
  // No raw catalog key (`signIn.heading`) reaches a page.
  expect(
    KEYS.filter((key) => html.includes(key)),
    where,
  ).toEqual([]);
}

describe('hosted pages in every supported language', () => {
  for (const locale of SUPPORTED_LOCALES) {
    const want = EXPECTED[locale];
    it(`${locale}: sign-in, sign-up and recovery follow authorize's ui_locales`, async () => {
      // A preference list whose first tag is unsupported, and an Accept-Language ui_locales wins over.
      const { interaction, cookie } = await authorizeWith(`ja ${locale}-XX`);
      for (const [path, text] of [
        ['login', want.login],
        ['signup', want.signup],
        ['recover', want.recover],
      ] as const) {
        const { html } = await get(`/${path}?interaction=${interaction}`, {
          Cookie: cookie,
          'Accept-Language': locale === 'de' ? 'fr' : 'de',
        });
        expectLocalized(html, locale, text as string, `${locale} ${path}`);
      }
    });

    it(`${locale}: consent (third-party client) follows the interaction's ui_locales`, async () => {
      const browser = randomBytes(32).toString('base64url');
      const pending = await keyway.store.interactions.createInteraction({
        tenantId: tenant.id,
        clientId: 'partner',
        redirectUri: REDIRECT_URI,
        scope: 'openid email',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        browserHash: sha256(browser),
        uiLocales: locale,
        consent: 'unless-granted',
        consentFor: { userId: account.userId, authTime: Math.floor(Date.now() / 1000), amr: ['hwk'] },
      });
      const { res, html } = await get(`/consent?interaction=${pending.id}`, {
        Cookie: `${BROWSER_COOKIE}=${browser}`,
      });
      expect(res.status).toBe(200);
      expectLocalized(html, locale, want.consent, `${locale} consent`);
    });

    it(`${locale}: account, device, end-session and an error page follow Accept-Language`, async () => {
      const lang = { 'Accept-Language': `${locale}-CH;q=0.9, ja` };
      const accountPage = await get('/account', { ...lang, Cookie: account.cookie });
      expect(accountPage.res.status).toBe(200);
      expectLocalized(accountPage.html, locale, want.account, `${locale} account`);
      expectLocalized((await get('/device', lang)).html, locale, want.device, `${locale} device`);
      const signedOut = await get('/end-session', lang);
      expectLocalized(signedOut.html, locale, want.endSession, `${locale} end-session`);
      const error = await get('/login?interaction=unknown', lang);
      expect(error.res.status).toBe(400);
      expectLocalized(error.html, locale, want.error, `${locale} error`);
    });
  }

  it('the passkey page script gets its messages, and outside English one per problem code', async () => {
    const de = await authorizeWith('de');
    const { html } = await get(`/login?interaction=${de.interaction}`, { Cookie: de.cookie });
    const messages = JSON.parse(
      html.match(/data-messages="([^"]*)"/)![1]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
    ) as { waiting: string; problems: Record<string, string> };
    expect(messages.waiting).toBe('Warten auf Ihren Passkey …');
    expect(messages.problems.invalid_code).toMatch(/Code ist ungültig/);
    const english = await authorizeWith('en');
    const page = await get(`/login?interaction=${english.interaction}`, { Cookie: english.cookie });
    // English keeps the server's precise detail ("2 tries left"): no problem messages.
    expect(page.html).toContain('&#34;problems&#34;:{}');
  });

  it('a code email speaks the language of the page that asked for it', async () => {
    const browser = randomBytes(32).toString('base64url');
    const interaction = await keyway.store.interactions.createInteraction({
      tenantId: tenant.id,
      clientId: 'app',
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      browserHash: sha256(browser),
      uiLocales: 'fr',
    });
    const email = `nobody-${Date.now()}@example.com`;
    const pending = { interaction, cookie: `${BROWSER_COOKIE}=${browser}` };
    const sent = await postPage(keyway, tenant, '/email/code', pending, { purpose: 'recovery', email });
    expect(sent.res.status).toBe(200);
    const mail = await latestMail(keyway, email);
    expect(mail?.subject).toBe(`Récupération de compte ${tenant.name}`);
    expect(mail?.html).toContain('<html lang="fr">');
  });

  it('the sign-up closed page is localized, with the tenant named', async () => {
    const closed = await createTenantWithClient(keyway, { signUpOpen: false }, 'Closed Co');
    const pending = await startInteraction(keyway, closed);
    const res = await fetch(`${keyway.url}/${closed.id}/signup?interaction=${pending.interaction.id}`, {
      headers: { Cookie: pending.cookie, 'Accept-Language': 'es' },
    });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('El registro está cerrado');
    expect(html).toContain('Closed Co no permite crear una cuenta aquí');
  });

  it('discovery lists exactly the four locales', async () => {
    const metadata = (await (await fetch(`${keyway.url}/${tenant.id}/.well-known/openid-configuration`)).json()) as {
      ui_locales_supported: string[];
    };
    expect(metadata.ui_locales_supported).toEqual(['en', 'de', 'fr', 'es']);
  });

  it('the account page takes a ui_locales query parameter before Accept-Language', async () => {
    const { html } = await get('/account?ui_locales=es', { 'Accept-Language': 'de', Cookie: account.cookie });
    expect(html).toContain('<html lang="es" dir="ltr">');
    expect(html).toContain(`value="${accountCsrf(account.sid)}"`);
  });
});
