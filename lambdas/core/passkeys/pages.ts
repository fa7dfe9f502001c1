import { type Brand, brandOf } from '../branding.ts';
import { KeywayError } from '../errors.ts';
import { escapeHtml, type PageParts, page as shell } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import { formActionSource } from '../oidc/authorization-response.ts';
import { errorPage } from '../oidc/error-page.ts';
import { displayUserCode } from '../store/devices.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Tenant } from '../store/tenants.ts';
import { PAGE_SCRIPT } from './page-script.ts';

export { escapeHtml };

/** A hosted page; with `data`, the passkey page script runs on it. */
function page(status: number, parts: PageParts): HttpResponse {
  return shell(status, parts.data ? { ...parts, script: PAGE_SCRIPT } : parts);
}

const NOSCRIPT = '<noscript><p class="alert">Passkeys need JavaScript; turn it on for this page.</p></noscript>';
const MESSAGES = '<div id="alert" class="alert" role="alert"></div>';
const STATUS = '<p id="status" class="status" role="status"></p>';

function pageData(
  issuer: string,
  interaction: Interaction,
  page: 'login' | 'signup' | 'recovery' | 'enroll',
  extra: Record<string, string> = {},
): Record<string, string> {
  return { page, issuer, interaction: interaction.id, csrf: interaction.csrf, ...extra };
}

const pageLink = (issuer: string, path: string, interaction: Interaction) =>
  escapeHtml(`${issuer}/${path}?interaction=${encodeURIComponent(interaction.id)}`);

/**
 * The emailed-code step shared by sign-up and recovery, hidden until a code was sent; then the button that creates
 * the passkey (its own click: Safari lets only a user gesture start a WebAuthn ceremony).
 */
const CODE_STEPS = `<form id="code-form" hidden>
<p id="code-sent"></p>
<label for="code">Code from the email</label>
<input id="code" name="code" required inputmode="numeric" autocomplete="one-time-code" maxlength="9" spellcheck="false">
<button class="primary" type="submit">Continue</button>
<button id="resend" class="secondary" type="button">Send a new code</button>
</form>
<div id="passkey-step" hidden>
<p>Your email address is confirmed. Now create a passkey: your device will ask for your fingerprint, face or screen lock.</p>
<button id="create-passkey" class="primary" type="button">Create passkey</button>
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
  choice?: AccountChoice,
): HttpResponse {
  if (choice) return renderAccountChoice(issuer, tenant, interaction, choice);
  const signUp = tenant.settings.signUpOpen
    ? `New to ${escapeHtml(brandOf(tenant).name)}? <a href="${escapeHtml(`${issuer}/signup?interaction=${encodeURIComponent(interaction.id)}`)}">Create account</a>`
    : `Accounts for ${escapeHtml(brandOf(tenant).name)} are created by an administrator.`;
  const recover = `Lost your passkey? <a href="${pageLink(issuer, 'recover', interaction)}">Recover your account</a>`;
  return page(200, {
    title: `Sign in · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: 'Sign in',
    data: pageData(issuer, interaction, 'login'),
    body: `${NOSCRIPT}
${MESSAGES}
<button id="passkey-button" class="primary" type="button">Sign in with a passkey</button>
<p class="divider">or use your email</p>
<form id="email-form">
<label for="email">Email</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="username webauthn" spellcheck="false" autocapitalize="none" value="${escapeHtml(interaction.loginHint ?? '')}">
<button class="secondary" type="submit">Continue</button>
</form>
${STATUS}
<p class="footer">${signUp}</p>
<p class="footer">${recover}</p>`,
  });
}

/** A plain form (no script): it works wherever the session does. */
function renderAccountChoice(issuer: string, tenant: Tenant, interaction: Interaction, choice: AccountChoice) {
  const { account } = choice;
  const name = `${account.givenName} ${account.familyName}`.trim();
  const who = name
    ? `<strong>${escapeHtml(name)}</strong><br><small>${escapeHtml(account.email)}</small>`
    : `<strong>${escapeHtml(account.email)}</strong>`;
  const hidden = (field: string, value: string) => `<input type="hidden" name="${field}" value="${escapeHtml(value)}">`;
  return page(200, {
    title: `Choose an account · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: 'Choose an account',
    body: `<p>${escapeHtml(choice.clientName)} asks which account to use.</p>
<p>Signed in as ${who}</p>
<form method="post" action="${escapeHtml(`${issuer}/authorize`)}">
${hidden('interaction', interaction.id)}
${hidden('csrf', interaction.csrf)}
${hidden('account', account.userId)}
<button class="primary" type="submit" name="continue" value="1">Continue</button>
</form>
<p class="footer">Not you? <a href="${pageLink(issuer, 'login', interaction)}">Use another account</a></p>`,
    // Continue is answered with a redirect to the application: Chromium checks form-action on that redirect too.
    formTargets: [formActionSource(choice.redirectUri)],
  });
}

/**
 * `{issuer}/signup`: create an account and its first passkey. By default the address is confirmed first with an
 * emailed code (the page looks the same whether or not the address is registered); `signUpVerification: none`
 * skips that step.
 */
export function renderSignUpPage(issuer: string, tenant: Tenant, interaction: Interaction): HttpResponse {
  const verified = tenant.settings.signUpVerification !== 'none';
  const field = (id: string, label: string, type: string, autocomplete: string, value = '') =>
    `<label for="${id}">${label}</label>
<input id="${id}" name="${id}" type="${type}" required maxlength="${type === 'email' ? 254 : 100}" autocomplete="${autocomplete}" value="${escapeHtml(value)}">`;
  return page(200, {
    title: `Create account · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: 'Create account',
    data: pageData(issuer, interaction, 'signup', { verification: verified ? 'email' : 'none' }),
    body: `${NOSCRIPT}
${MESSAGES}
<form id="signup-form">
${field('email', 'Email', 'email', 'email', interaction.loginHint ?? '')}
${field('givenName', 'Given name', 'text', 'given-name')}
${field('familyName', 'Family name', 'text', 'family-name')}
<button class="primary" type="submit">${verified ? 'Continue' : 'Create passkey'}</button>
</form>
${verified ? CODE_STEPS : ''}
${STATUS}
<p class="footer">Already have a passkey? <a href="${pageLink(issuer, 'login', interaction)}">Sign in</a></p>`,
  });
}

/** `{issuer}/recover`: "Lost your passkey?" — an emailed code, then a new passkey for the same account. */
export function renderRecoveryPage(issuer: string, tenant: Tenant, interaction: Interaction): HttpResponse {
  return page(200, {
    title: `Recover your account · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: 'Recover your account',
    data: pageData(issuer, interaction, 'recovery'),
    body: `${NOSCRIPT}
${MESSAGES}
<form id="recovery-form">
<p>Enter the email address of your account. We will send you a code to set up a new passkey; your other passkeys keep working until you remove them.</p>
<label for="email">Email</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="email" spellcheck="false" autocapitalize="none" value="${escapeHtml(interaction.loginHint ?? '')}">
<button class="primary" type="submit">Send code</button>
</form>
${CODE_STEPS}
${STATUS}
<p class="footer">Found your passkey? <a href="${pageLink(issuer, 'login', interaction)}">Sign in</a></p>`,
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
  text: { readonly heading: string; readonly intro: string; readonly email: string },
): HttpResponse {
  return page(200, {
    title: `${text.heading} · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: text.heading,
    data: pageData(issuer, interaction, 'enroll'),
    body: `${NOSCRIPT}
${MESSAGES}
<p>${escapeHtml(text.intro)}</p>
<p><strong>${escapeHtml(text.email)}</strong></p>
<button id="create-passkey" class="primary" type="button">Create passkey</button>
${STATUS}`,
  });
}

/** A friendly page for what a hosted page cannot continue from (expired request, another browser, closed sign-up). */
export const renderErrorPage = errorPage;

/** Headings by error code; for codes whose `detail` speaks to developers, the message people get instead. */
const HEADINGS: Record<string, string> = {
  invalid_request: 'This sign-in cannot continue',
  access_denied: 'This sign-in cannot continue',
  not_found: 'Page not found',
};
const FOR_PEOPLE: Record<string, string> = {
  not_found:
    'This address does not lead to a sign-in page. Check the address, or go back to the application and start signing in again.',
};

/**
 * Hosted pages answer typed errors with an HTML page rather than problem+json; anything else stays a 500. Where the
 * error's detail is not written for people, they get FOR_PEOPLE's words and the detail goes under "Details for the
 * application's developers".
 */
export function renderPageError(error: unknown, traceId: string, brand?: string | Brand): HttpResponse {
  if (!(error instanceof KeywayError)) throw error;
  const heading = HEADINGS[error.code] ?? error.title;
  const people = FOR_PEOPLE[error.code];
  return people
    ? renderErrorPage(error.status, heading, people, traceId, brand, { developerDetail: error.detail })
    : renderErrorPage(error.status, heading, error.detail, traceId, brand);
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
export function renderDevicePage(issuer: string, tenant: Tenant, state: DevicePageState, status = 200): HttpResponse {
  const action = escapeHtml(`${issuer}/device`);
  const common = { title: `Connect a device · ${brandOf(tenant).name}`, brand: brandOf(tenant) };
  if (state.step === 'enter')
    return page(status, {
      ...common,
      heading: 'Connect a device',
      body: `${state.error ? `<p class="alert" role="alert">${escapeHtml(state.error)}</p>` : ''}
<form method="get" action="${action}">
<label for="user_code">Enter the code shown on your device</label>
<input id="user_code" name="user_code" required maxlength="12" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" placeholder="XXXX-XXXX" value="${escapeHtml(state.value ?? '')}">
<button class="primary" type="submit">Continue</button>
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
      heading: 'Sign in on your device?',
      body: `<p><strong>${escapeHtml(state.clientName)}</strong> asks to use your account (${escapeHtml(state.email)}).</p>
<p>Only continue if your device shows the code <strong>${escapeHtml(displayUserCode(state.userCode))}</strong>.</p>
<p>It will be able to use:</p>
<ul>${scopes}</ul>
<form method="post" action="${action}">
<input type="hidden" name="user_code" value="${escapeHtml(state.userCode)}">
<input type="hidden" name="csrf" value="${escapeHtml(state.csrf)}">
<button class="primary" type="submit" name="decision" value="approve">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</form>`,
    });
  }
  return page(status, {
    ...common,
    heading: state.approved ? 'Your device is connected' : 'Request denied',
    body: state.approved
      ? '<p>You can go back to your device; it signs in within a few seconds. You may close this page.</p>'
      : '<p>Your device was not given access. You may close this page.</p>',
  });
}
