import { brandOf } from '../branding.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import type { Locale } from '../i18n/locales.ts';
import { t, tHtml } from '../i18n/messages.ts';
import { formActionSource } from '../oidc/authorization-response.ts';
import { passkeyLabel } from '../passkeys/providers.ts';
import type { Tenant } from '../store/tenants.ts';
import { type AccountNotice, type AccountView, REAUTH_WINDOW_SECONDS } from './account.ts';

/** Dates as people read them, without a locale guess: `2026-12-01 13:45 UTC`. */
function when(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The notices the page shows after a change (their words: `account.notice.*` in the catalogs). */
const NOTICES: Readonly<Record<AccountNotice, true>> = {
  'profile-saved': true,
  'passkey-renamed': true,
  'passkey-deleted': true,
  'passkey-added': true,
  'app-revoked': true,
  reauthenticated: true,
};

export function isNotice(value: string | undefined): value is AccountNotice {
  return value !== undefined && Object.hasOwn(NOTICES, value);
}

/**
 * The Signal API calls the page makes after a change (WebAuthn L3 §5.1.10), feature-detected and never surfacing an
 * error: the passkeys the account still accepts after a removal, the user's names after a profile change. The
 * authenticator may then hide a removed passkey and show the new names.
 */
const SIGNAL_SCRIPT = `(() => {
  'use strict';
  const d = document.getElementById('keyway').dataset;
  const PKC = window.PublicKeyCredential;
  if (!PKC || !d.signal) return;
  const quiet = (p) => { if (p && typeof p.catch === 'function') p.catch(() => undefined); };
  try {
    if (d.signal === 'accepted' && typeof PKC.signalAllAcceptedCredentials === 'function')
      quiet(PKC.signalAllAcceptedCredentials({
        rpId: d.rpId, userId: d.userHandle, allAcceptedCredentialIds: d.credentials ? d.credentials.split(' ') : [],
      }));
    if (d.signal === 'details' && typeof PKC.signalCurrentUserDetails === 'function')
      quiet(PKC.signalCurrentUserDetails({ rpId: d.rpId, userId: d.userHandle, name: d.userName, displayName: d.displayName }));
  } catch {}
})();
`;

export interface AccountPageContext {
  readonly issuer: string;
  readonly csrf: string;
  readonly rpId: string;
  readonly now: number;
  readonly notice?: AccountNotice | undefined;
  readonly locale: Locale;
  /** A step-up action that passed and came here first (`redirectToSettings`): Continue takes the code to its app. */
  readonly pendingAction?: PendingActionView | undefined;
}

export interface PendingActionView {
  readonly interactionId: string;
  readonly csrf: string;
  readonly clientName: string;
  readonly redirectUri: string;
}

/** `{issuer}/account`: profile, passkeys, where the user is signed in, connected apps. Plain forms; no script needed. */
export function renderAccountPage(tenant: Tenant, view: AccountView, context: AccountPageContext): HttpResponse {
  const { issuer, csrf, locale } = context;
  const action = escapeHtml(`${issuer}/account`);
  const form = (name: string, inner: string, button: string, style = 'secondary') =>
    `<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="action" value="${name}">${inner}<button class="${style}" type="submit">${escapeHtml(button)}</button></form>`;
  const { user } = view;
  const displayName = `${user.givenName} ${user.familyName}`.trim() || user.email;

  const passkeys = view.passkeys
    .map((p) => {
      const id = escapeHtml(p.credentialId);
      const kind = t(locale, p.backedUp || p.deviceType === 'multiDevice' ? 'account.synced' : 'account.oneDevice');
      const used =
        p.lastUsedAt !== undefined
          ? t(locale, 'account.lastUsed', { when: when(p.lastUsedAt) })
          : t(locale, 'account.notUsed');
      const last = view.passkeys.length === 1;
      return `<div class="item"><strong>${escapeHtml(passkeyLabel(p))}</strong><span class="badge">${escapeHtml(kind)}</span>
<br><small>${escapeHtml(t(locale, 'account.added', { when: when(p.createdAt), used }))}</small>
${form('rename-passkey', `<input type="hidden" name="credentialId" value="${id}"><input name="name" aria-label="${escapeHtml(t(locale, 'account.newNameFor', { name: passkeyLabel(p) }))}" maxlength="80" required placeholder="${escapeHtml(t(locale, 'account.newName'))}">`, t(locale, 'account.rename'))}
${form(
  'delete-passkey',
  `<input type="hidden" name="credentialId" value="${id}">${
    last
      ? `<label class="inline"><input type="checkbox" name="confirmLast" value="yes" required> ${tHtml(locale, 'account.onlyPasskey')}</label>`
      : ''
  }`,
  t(locale, 'account.remove'),
)}</div>`;
    })
    .join('\n');

  const sessions = view.sessions
    .map(
      (s) =>
        `<div class="item">${s.current ? `<strong>${tHtml(locale, 'account.thisBrowser')}</strong>` : tHtml(locale, 'account.otherBrowser')}<br><small>${tHtml(locale, 'account.signedInUntil', { from: when(s.authTime), until: when(s.expiresAt) })}</small></div>`,
    )
    .join('\n');

  const apps = view.apps.length
    ? view.apps
        .map(
          (a) =>
            `<div class="item"><strong>${escapeHtml(a.name)}</strong><br><small>${tHtml(locale, 'account.since', { when: when(a.since), scopes: escapeHtml(a.scopes.join(', ')) })}</small>
${form('revoke-app', `<input type="hidden" name="clientId" value="${escapeHtml(a.clientId)}">`, t(locale, 'account.removeAccess'))}</div>`,
        )
        .join('\n')
    : `<p><small>${tHtml(locale, 'account.noApps')}</small></p>`;

  const freshUntil = view.fresh ? view.sessions.find((s) => s.current)?.authTime : undefined;
  const confirm =
    freshUntil !== undefined
      ? `<p><small>${tHtml(locale, 'account.confirmedUntil', { until: when(freshUntil + REAUTH_WINDOW_SECONDS) })}</small></p>`
      : `<p><small>${tHtml(locale, 'account.confirmFirst')}</small></p>${form('reauthenticate', '', t(locale, 'account.confirmButton'))}`;

  const signal =
    context.notice === 'passkey-deleted' ? 'accepted' : context.notice === 'profile-saved' ? 'details' : '';
  return page(200, {
    locale,
    title: `${t(locale, 'account.heading')} · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: t(locale, 'account.heading'),
    wide: true,
    data: {
      signal,
      'rp-id': context.rpId,
      'user-handle': Buffer.from(user.userId, 'utf8').toString('base64url'),
      credentials: view.passkeys.map((p) => p.credentialId).join(' '),
      'user-name': user.email,
      'display-name': displayName,
    },
    script: SIGNAL_SCRIPT,
    ...(context.pendingAction ? { formTargets: [formActionSource(context.pendingAction.redirectUri)] } : {}),
    body: `${continueBanner(issuer, locale, context.pendingAction)}${context.notice ? `<p class="notice" role="status">${tHtml(locale, `account.notice.${context.notice}`)}</p>` : ''}
<p>${tHtml(locale, 'common.signedInAs', { who: `<strong>${escapeHtml(user.email)}</strong>` })}${user.emailVerified ? `<span class="badge">${tHtml(locale, 'account.verified')}</span>` : ''}</p>
${confirm}
<section><h2>${tHtml(locale, 'account.profile')}</h2>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="action" value="profile">
<label for="givenName">${tHtml(locale, 'common.givenName')}</label><input id="givenName" name="givenName" required maxlength="100" autocomplete="given-name" value="${escapeHtml(user.givenName)}">
<label for="familyName">${tHtml(locale, 'common.familyName')}</label><input id="familyName" name="familyName" required maxlength="100" autocomplete="family-name" value="${escapeHtml(user.familyName)}">
<button class="secondary" type="submit">${tHtml(locale, 'common.save')}</button></form></section>
<section><h2>${tHtml(locale, 'account.passkeys')}</h2>
${passkeys || `<p><small>${tHtml(locale, 'account.noPasskey')}</small></p>`}
${form('add-passkey', '', t(locale, 'account.addPasskey'), 'primary')}</section>
<section><h2>${tHtml(locale, 'account.sessions')}</h2>
${sessions}
${form('sign-out-everywhere', '', t(locale, 'account.signOutEverywhere'))}</section>
<section><h2>${tHtml(locale, 'account.apps')}</h2>
${apps}</section>
<p class="footer"><a href="${escapeHtml(`${issuer}/end-session`)}">${tHtml(locale, 'account.signOutBrowser')}</a></p>`,
  });
}

/** After "sign out everywhere": this browser is signed out too. */
export function renderSignedOutEverywhere(issuer: string, tenant: Tenant, locale: Locale): HttpResponse {
  return page(200, {
    locale,
    title: `${t(locale, 'account.signedOut')} · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: t(locale, 'account.signedOutHeading'),
    body: `<p>${tHtml(locale, 'account.signedOutText', { tenant: escapeHtml(brandOf(tenant).name) })}</p>
<p><a href="${escapeHtml(`${issuer}/account`)}">${tHtml(locale, 'account.signInAgain')}</a></p>`,
  });
}

/** "Done here? Continue to {app}": a form POST to authorize that issues the step-up action's code now. */
function continueBanner(issuer: string, locale: Locale, pending: PendingActionView | undefined): string {
  if (!pending) return '';
  const client = escapeHtml(pending.clientName);
  return `<div class="notice" role="status"><p>${tHtml(locale, 'action.settingsIntro', { client })}</p>
<form method="post" action="${escapeHtml(`${issuer}/authorize`)}">
<input type="hidden" name="interaction" value="${escapeHtml(pending.interactionId)}">
<input type="hidden" name="csrf" value="${escapeHtml(pending.csrf)}">
<button id="continue-action" class="primary" type="submit" name="finish" value="1">${tHtml(locale, 'action.continueTo', { client })}</button>
</form></div>
`;
}
