import { type Brand, brandOf } from '../branding.ts';
import { KeywayError } from '../errors.ts';
import { escapeHtml, type PageParts, page as shell } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import type { Locale } from '../i18n/locales.ts';
import { CATALOGS, type MessageKey, messagesWithPrefix, t, tHtml } from '../i18n/messages.ts';
import { formActionSource } from '../oidc/authorization-response.ts';
import { errorPage } from '../oidc/error-page.ts';
import { displayUserCode } from '../store/devices.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Tenant } from '../store/tenants.ts';
import { PAGE_SCRIPT } from './page-script.ts';

export { escapeHtml };

/** A hosted page; with `data`, the passkey page script runs on it, with the messages it shows in `data-messages`. */
function page(status: number, parts: PageParts): HttpResponse {
  return shell(status, parts.data ? { ...parts, script: PAGE_SCRIPT } : parts);
}

const noscript = (locale: Locale) => `<noscript><p class="alert">${tHtml(locale, 'passkey.noscript')}</p></noscript>`;
const MESSAGES = '<div id="alert" class="alert" role="alert"></div>';
const STATUS = '<p id="status" class="status" role="status"></p>';

/**
 * What the page script says, in the page's language. Outside English it also gets a message per problem `code`
 * (`problem.*`), shown instead of the server's `detail`, which is written in English; English pages keep the detail,
 * the more precise of the two ("2 tries left").
 */
function scriptMessages(locale: Locale): string {
  const problems = locale === 'en' ? {} : messagesWithPrefix(locale, 'problem.');
  return JSON.stringify({ ...messagesWithPrefix(locale, 'script.'), problems });
}

function pageData(
  issuer: string,
  interaction: Interaction,
  page: 'login' | 'signup' | 'recovery' | 'enroll',
  locale: Locale,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    page,
    issuer,
    interaction: interaction.id,
    csrf: interaction.csrf,
    messages: scriptMessages(locale),
    ...extra,
  };
}

const pageLink = (issuer: string, path: string, interaction: Interaction) =>
  escapeHtml(`${issuer}/${path}?interaction=${encodeURIComponent(interaction.id)}`);

/** `{heading} · {tenant}`: the window title of a tenant's page. */
const titled = (heading: string, tenant: Tenant) => `${heading} · ${brandOf(tenant).name}`;

/**
 * The emailed-code step shared by sign-up and recovery, hidden until a code was sent; then the button that creates
 * the passkey (its own click: Safari lets only a user gesture start a WebAuthn ceremony).
 */
const codeSteps = (locale: Locale) => `<form id="code-form" hidden>
<p id="code-sent"></p>
<label for="code">${tHtml(locale, 'code.label')}</label>
<input id="code" name="code" required inputmode="numeric" autocomplete="one-time-code" maxlength="9" spellcheck="false">
<button class="primary" type="submit">${tHtml(locale, 'common.continue')}</button>
<button id="resend" class="secondary" type="button">${tHtml(locale, 'code.resend')}</button>
</form>
<div id="passkey-step" hidden>
<p>${tHtml(locale, 'code.confirmed')}</p>
<button id="create-passkey" class="primary" type="button">${tHtml(locale, 'common.createPasskey')}</button>
</div>`;

/**
 * A browser already signed in, asked which account to use (OIDC Core §3.1.2.1 `prompt=select_account`): the account
 * of its session, and the application the answer goes to.
 */
export interface AccountChoice {
  readonly account: {
    readonly userId: string;
    readonly email: string;
    readonly givenName: string;
    readonly familyName: string;
  };
  readonly clientName: string;
  /** The interaction's validated redirect URI: Continue is answered with a redirect there. */
  readonly redirectUri: string;
}

/**
 * `{issuer}/login`: discoverable passkey sign-in, passkey autofill on the email field, and email-first fallback.
 * With `choice` (authorize serves it for `prompt=select_account`), "Signed in as … — Continue" instead: a form that
 * posts back to authorize (interaction, its anti-CSRF token and the account shown), and "Not you?" leading to the
 * passkey sign-in of the same interaction, which signs in whoever presents a passkey and replaces the session.
 */
export function renderSignInPage(
  issuer: string,
  tenant: Tenant,
  interaction: Interaction,
  locale: Locale,
  choice?: AccountChoice,
): HttpResponse {
  if (choice) return renderAccountChoice(issuer, tenant, interaction, locale, choice);
  const tenantName = escapeHtml(brandOf(tenant).name);
  const signUp = tenant.settings.signUpOpen
    ? `${tHtml(locale, 'signIn.newTo', { tenant: tenantName })} <a href="${escapeHtml(`${issuer}/signup?interaction=${encodeURIComponent(interaction.id)}`)}">${tHtml(locale, 'signIn.createAccount')}</a>`
    : tHtml(locale, 'signIn.adminCreates', { tenant: tenantName });
  const recover = `${tHtml(locale, 'signIn.lost')} <a href="${pageLink(issuer, 'recover', interaction)}">${tHtml(locale, 'signIn.recover')}</a>`;
  // A step-up action's challenge: only this user's passkey proves it, and Cancel answers the application all the same.
  const footer = interaction.action
    ? `<p>${tHtml(locale, 'action.explain')}</p>
<form method="post" action="${escapeHtml(`${issuer}/authorize`)}">
<input type="hidden" name="interaction" value="${escapeHtml(interaction.id)}">
<input type="hidden" name="csrf" value="${escapeHtml(interaction.csrf)}">
<button id="cancel-action" class="secondary" type="submit" name="cancel" value="1">${tHtml(locale, 'action.cancel')}</button>
</form>`
    : `<p class="footer">${signUp}</p>
<p class="footer">${recover}</p>`;
  const heading = t(locale, interaction.action ? 'action.heading' : 'signIn.heading');
  return page(200, {
    locale,
    title: titled(heading, tenant),
    brand: brandOf(tenant),
    heading,
    // Cancel's answer is the redirect to the application, which form-action governs too.
    ...(interaction.action ? { formTargets: [formActionSource(interaction.redirectUri)] } : {}),
    data: pageData(issuer, interaction, 'login', locale),
    body: `${noscript(locale)}
${MESSAGES}
<button id="passkey-button" class="primary" type="button">${tHtml(locale, 'signIn.passkeyButton')}</button>
<p class="divider">${tHtml(locale, 'signIn.orEmail')}</p>
<form id="email-form">
<label for="email">${tHtml(locale, 'common.email')}</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="username webauthn" spellcheck="false" autocapitalize="none" value="${escapeHtml(interaction.loginHint ?? '')}">
<button class="secondary" type="submit">${tHtml(locale, 'common.continue')}</button>
</form>
${STATUS}
${footer}`,
  });
}

/** A plain form (no script): it works wherever the session does. */
function renderAccountChoice(
  issuer: string,
  tenant: Tenant,
  interaction: Interaction,
  locale: Locale,
  choice: AccountChoice,
) {
  const { account } = choice;
  const name = `${account.givenName} ${account.familyName}`.trim();
  const who = name
    ? `<strong>${escapeHtml(name)}</strong><br><small>${escapeHtml(account.email)}</small>`
    : `<strong>${escapeHtml(account.email)}</strong>`;
  const hidden = (field: string, value: string) => `<input type="hidden" name="${field}" value="${escapeHtml(value)}">`;
  return page(200, {
    locale,
    title: titled(t(locale, 'choice.heading'), tenant),
    brand: brandOf(tenant),
    heading: t(locale, 'choice.heading'),
    body: `<p>${tHtml(locale, 'choice.asks', { client: escapeHtml(choice.clientName) })}</p>
<p>${tHtml(locale, 'common.signedInAs', { who })}</p>
<form method="post" action="${escapeHtml(`${issuer}/authorize`)}">
${hidden('interaction', interaction.id)}
${hidden('csrf', interaction.csrf)}
${hidden('account', account.userId)}
<button class="primary" type="submit" name="continue" value="1">${tHtml(locale, 'common.continue')}</button>
</form>
<p class="footer">${tHtml(locale, 'choice.notYou')} <a href="${pageLink(issuer, 'login', interaction)}">${tHtml(locale, 'choice.another')}</a></p>`,
    // Continue is answered with a redirect to the application: Chromium checks form-action on that redirect too.
    formTargets: [formActionSource(choice.redirectUri)],
  });
}

/**
 * `{issuer}/signup`: create an account and its first passkey. By default the address is confirmed first with an
 * emailed code (the page looks the same whether or not the address is registered); `signUpVerification: none`
 * skips that step.
 */
export function renderSignUpPage(
  issuer: string,
  tenant: Tenant,
  interaction: Interaction,
  locale: Locale,
): HttpResponse {
  const verified = tenant.settings.signUpVerification !== 'none';
  const field = (id: string, label: MessageKey, type: string, autocomplete: string, value = '') =>
    `<label for="${id}">${tHtml(locale, label)}</label>
<input id="${id}" name="${id}" type="${type}" required maxlength="${type === 'email' ? 254 : 100}" autocomplete="${autocomplete}" value="${escapeHtml(value)}">`;
  return page(200, {
    locale,
    title: titled(t(locale, 'signUp.heading'), tenant),
    brand: brandOf(tenant),
    heading: t(locale, 'signUp.heading'),
    data: pageData(issuer, interaction, 'signup', locale, { verification: verified ? 'email' : 'none' }),
    body: `${noscript(locale)}
${MESSAGES}
<form id="signup-form">
${field('email', 'common.email', 'email', 'email', interaction.loginHint ?? '')}
${field('givenName', 'common.givenName', 'text', 'given-name')}
${field('familyName', 'common.familyName', 'text', 'family-name')}
<button class="primary" type="submit">${tHtml(locale, verified ? 'common.continue' : 'common.createPasskey')}</button>
</form>
${verified ? codeSteps(locale) : ''}
${STATUS}
<p class="footer">${tHtml(locale, 'signUp.haveOne')} <a href="${pageLink(issuer, 'login', interaction)}">${tHtml(locale, 'common.signIn')}</a></p>`,
  });
}

/** `{issuer}/recover`: "Lost your passkey?" — an emailed code, then a new passkey for the same account. */
export function renderRecoveryPage(
  issuer: string,
  tenant: Tenant,
  interaction: Interaction,
  locale: Locale,
): HttpResponse {
  return page(200, {
    locale,
    title: titled(t(locale, 'recovery.heading'), tenant),
    brand: brandOf(tenant),
    heading: t(locale, 'recovery.heading'),
    data: pageData(issuer, interaction, 'recovery', locale),
    body: `${noscript(locale)}
${MESSAGES}
<form id="recovery-form">
<p>${tHtml(locale, 'recovery.intro')}</p>
<label for="email">${tHtml(locale, 'common.email')}</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="email" spellcheck="false" autocapitalize="none" value="${escapeHtml(interaction.loginHint ?? '')}">
<button class="primary" type="submit">${tHtml(locale, 'recovery.sendCode')}</button>
</form>
${codeSteps(locale)}
${STATUS}
<p class="footer">${tHtml(locale, 'recovery.found')} <a href="${pageLink(issuer, 'login', interaction)}">${tHtml(locale, 'common.signIn')}</a></p>`,
  });
}

/**
 * A page that enrolls a passkey for a known account (an `add-passkey` interaction): the account page's "Add a
 * passkey" and an accepted invitation. One button, so the ceremony starts from the user's own click.
 */
export function renderEnrollPage(
  issuer: string,
  tenant: Tenant,
  interaction: Interaction,
  locale: Locale,
  text: { readonly heading: string; readonly intro: string; readonly email: string },
): HttpResponse {
  return page(200, {
    locale,
    title: titled(text.heading, tenant),
    brand: brandOf(tenant),
    heading: text.heading,
    data: pageData(issuer, interaction, 'enroll', locale),
    body: `${noscript(locale)}
${MESSAGES}
<p>${escapeHtml(text.intro)}</p>
<p><strong>${escapeHtml(text.email)}</strong></p>
<button id="create-passkey" class="primary" type="button">${tHtml(locale, 'common.createPasskey')}</button>
${STATUS}`,
  });
}

/** A friendly page for what a hosted page cannot continue from (expired request, another browser, closed sign-up). */
export const renderErrorPage = errorPage;

/** Headings by error code; for codes whose `detail` speaks to developers, the message people get instead. */
const HEADINGS: Record<string, MessageKey> = {
  invalid_request: 'error.cannotContinue',
  access_denied: 'error.cannotContinue',
  not_found: 'error.notFound',
};
const FOR_PEOPLE: Record<string, MessageKey> = {
  not_found: 'error.notFoundForPeople',
};

/**
 * The details the hosted flows raise most (core/oidc/sign-in.ts loadInteraction), by their English text: outside
 * English the page shows the catalog's words. Any other detail is English only, so another language shows the code's
 * generic message and keeps the detail under "Details for the application's developers".
 */
const KNOWN_DETAILS: Readonly<Record<string, MessageKey>> = {
  'The sign-in request is missing; start again from the application.': 'error.interactionMissing',
  'This sign-in request has expired; start again from the application.': 'error.interactionExpired',
  'This sign-in was started in another browser. Go back to the application in this browser and sign in again.':
    'error.otherBrowser',
};

/** The problem's message in a language other than English: the catalog's for its code, else a generic one. */
function problemMessage(locale: Locale, code: string): string {
  const key = `problem.${code}`;
  return Object.hasOwn(CATALOGS[locale], key) ? t(locale, key as MessageKey) : t(locale, 'problem.invalid_request');
}

/**
 * Hosted pages answer typed errors with an HTML page rather than problem+json; anything else stays a 500. Where the
 * error's detail is not written for people, they get FOR_PEOPLE's words and the detail goes under "Details for the
 * application's developers". Outside English, a detail the catalogs do not know goes there too (see KNOWN_DETAILS).
 */
export function renderPageError(error: unknown, traceId: string, locale: Locale, brand?: string | Brand): HttpResponse {
  if (!(error instanceof KeywayError)) throw error;
  const headingKey = HEADINGS[error.code];
  const heading = headingKey ? t(locale, headingKey) : locale === 'en' ? error.title : t(locale, 'error.generic');
  const people = FOR_PEOPLE[error.code];
  if (people)
    return renderErrorPage(error.status, heading, t(locale, people), traceId, brand, {
      locale,
      developerDetail: error.detail,
    });
  if (locale === 'en') return renderErrorPage(error.status, heading, error.detail, traceId, brand, { locale });
  const known = Object.hasOwn(KNOWN_DETAILS, error.detail) ? KNOWN_DETAILS[error.detail] : undefined;
  return known
    ? renderErrorPage(error.status, heading, t(locale, known), traceId, brand, { locale })
    : renderErrorPage(error.status, heading, problemMessage(locale, error.code), traceId, brand, {
        locale,
        developerDetail: error.detail,
      });
}

/** What the device page (RFC 8628 §3.3) shows: the code entry, the approval question, or the outcome. */
export type DevicePageState =
  | { readonly step: 'enter'; readonly value?: string; readonly error?: string }
  | {
      readonly step: 'confirm';
      readonly userCode: string;
      readonly clientName: string;
      readonly scope: string;
      readonly email: string;
      /** Bound to the browser's session: the answer form carries it back. */
      readonly csrf: string;
    }
  | { readonly step: 'done'; readonly approved: boolean };

/** `{issuer}/device`: a plain form page (no script), in the same shell as the sign-in pages. */
export function renderDevicePage(
  issuer: string,
  tenant: Tenant,
  state: DevicePageState,
  locale: Locale,
  status = 200,
): HttpResponse {
  const action = escapeHtml(`${issuer}/device`);
  const common = { locale, title: titled(t(locale, 'device.heading'), tenant), brand: brandOf(tenant) };
  if (state.step === 'enter')
    return page(status, {
      ...common,
      heading: t(locale, 'device.heading'),
      body: `${state.error ? `<p class="alert" role="alert">${escapeHtml(state.error)}</p>` : ''}
<form method="get" action="${action}">
<label for="user_code">${tHtml(locale, 'device.enterCode')}</label>
<input id="user_code" name="user_code" required maxlength="12" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" placeholder="XXXX-XXXX" value="${escapeHtml(state.value ?? '')}">
<button class="primary" type="submit">${tHtml(locale, 'common.continue')}</button>
</form>`,
    });
  if (state.step === 'confirm') {
    const scopes = state.scope
      .split(' ')
      .filter(Boolean)
      .map((s) => `<li>${escapeHtml(s)}</li>`)
      .join('');
    return page(status, {
      ...common,
      heading: t(locale, 'device.confirmHeading'),
      body: `<p>${tHtml(locale, 'device.asks', { client: `<strong>${escapeHtml(state.clientName)}</strong>`, email: escapeHtml(state.email) })}</p>
<p>${tHtml(locale, 'device.onlyIf', { code: `<strong>${escapeHtml(displayUserCode(state.userCode))}</strong>` })}</p>
<p>${tHtml(locale, 'device.canUse')}</p>
<ul>${scopes}</ul>
<form method="post" action="${action}">
<input type="hidden" name="user_code" value="${escapeHtml(state.userCode)}">
<input type="hidden" name="csrf" value="${escapeHtml(state.csrf)}">
<button class="primary" type="submit" name="decision" value="approve">${tHtml(locale, 'common.allow')}</button>
<button class="secondary" type="submit" name="decision" value="deny">${tHtml(locale, 'common.deny')}</button>
</form>`,
    });
  }
  return page(status, {
    ...common,
    heading: t(locale, state.approved ? 'device.connected' : 'device.denied'),
    body: `<p>${tHtml(locale, state.approved ? 'device.connectedText' : 'device.deniedText')}</p>`,
  });
}
