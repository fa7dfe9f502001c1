import { brandOf } from '../branding.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpResponse } from '../http/types.ts';
import { passkeyLabel } from '../passkeys/providers.ts';
import type { Tenant } from '../store/tenants.ts';
import { type AccountNotice, type AccountView, REAUTH_WINDOW_SECONDS } from './account.ts';

/** Dates as people read them, without a locale guess: `2026-12-01 13:45 UTC`. */
function when(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const NOTICES: Readonly<Record<AccountNotice, string>> = {
  'profile-saved': 'Your name was saved.',
  'passkey-renamed': 'The passkey was renamed.',
  'passkey-deleted': 'The passkey was removed. It no longer signs you in.',
  'passkey-added': 'Your new passkey is ready.',
  'app-revoked': 'The app no longer has access to your account. It will ask you to sign in again.',
  reauthenticated: 'Thanks for confirming it’s you.',
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
}

/** `{issuer}/account`: profile, passkeys, where the user is signed in, connected apps. Plain forms; no script needed. */
export function renderAccountPage(tenant: Tenant, view: AccountView, context: AccountPageContext): HttpResponse {
  const { issuer, csrf } = context;
  const action = escapeHtml(`${issuer}/account`);
  const form = (name: string, inner: string, button: string, style = 'secondary') =>
    `<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="action" value="${name}">${inner}<button class="${style}" type="submit">${button}</button></form>`;
  const { user } = view;
  const displayName = `${user.givenName} ${user.familyName}`.trim() || user.email;

  const passkeys = view.passkeys
    .map((p) => {
      const id = escapeHtml(p.credentialId);
      const kind = p.backedUp || p.deviceType === 'multiDevice' ? 'Synced' : 'On one device only';
      const used = p.lastUsedAt !== undefined ? `last used ${when(p.lastUsedAt)}` : 'not used yet';
      const last = view.passkeys.length === 1;
      return `<div class="item"><strong>${escapeHtml(passkeyLabel(p))}</strong><span class="badge">${kind}</span>
<br><small>Added ${when(p.createdAt)} · ${used}</small>
${form('rename-passkey', `<input type="hidden" name="credentialId" value="${id}"><input name="name" aria-label="New name for ${escapeHtml(passkeyLabel(p))}" maxlength="80" required placeholder="New name">`, 'Rename')}
${form(
  'delete-passkey',
  `<input type="hidden" name="credentialId" value="${id}">${
    last
      ? '<label class="inline"><input type="checkbox" name="confirmLast" value="yes" required> This is my only passkey: I will need “Lost your passkey?” to sign in again</label>'
      : ''
  }`,
  'Remove',
)}</div>`;
    })
    .join('\n');

  const sessions = view.sessions
    .map(
      (s) =>
        `<div class="item">${s.current ? '<strong>This browser</strong>' : 'Another browser or device'}<br><small>Signed in ${when(s.authTime)} · until ${when(s.expiresAt)}</small></div>`,
    )
    .join('\n');

  const apps = view.apps.length
    ? view.apps
        .map(
          (a) =>
            `<div class="item"><strong>${escapeHtml(a.name)}</strong><br><small>Since ${when(a.since)} · ${escapeHtml(a.scopes.join(', '))}</small>
${form('revoke-app', `<input type="hidden" name="clientId" value="${escapeHtml(a.clientId)}">`, 'Remove access')}</div>`,
        )
        .join('\n')
    : '<p><small>No app has access to your account right now.</small></p>';

  const freshUntil = view.fresh ? view.sessions.find((s) => s.current)?.authTime : undefined;
  const confirm =
    freshUntil !== undefined
      ? `<p><small>You confirmed it’s you: you can add or remove passkeys, sign out everywhere and remove apps until ${when(freshUntil + REAUTH_WINDOW_SECONDS)}.</small></p>`
      : `<p><small>Adding or removing a passkey, signing out everywhere and removing an app first ask for your passkey, to confirm it’s you.</small></p>${form('reauthenticate', '', 'Confirm it’s you')}`;

  const signal =
    context.notice === 'passkey-deleted' ? 'accepted' : context.notice === 'profile-saved' ? 'details' : '';
  return page(200, {
    title: `Your account · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: 'Your account',
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
    body: `${context.notice ? `<p class="notice" role="status">${escapeHtml(NOTICES[context.notice])}</p>` : ''}
<p>Signed in as <strong>${escapeHtml(user.email)}</strong>${user.emailVerified ? '<span class="badge">verified</span>' : ''}</p>
${confirm}
<section><h2>Profile</h2>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="action" value="profile">
<label for="givenName">Given name</label><input id="givenName" name="givenName" required maxlength="100" autocomplete="given-name" value="${escapeHtml(user.givenName)}">
<label for="familyName">Family name</label><input id="familyName" name="familyName" required maxlength="100" autocomplete="family-name" value="${escapeHtml(user.familyName)}">
<button class="secondary" type="submit">Save</button></form></section>
<section><h2>Passkeys</h2>
${passkeys || '<p><small>No passkey yet.</small></p>'}
${form('add-passkey', '', 'Add a passkey', 'primary')}</section>
<section><h2>Where you are signed in</h2>
${sessions}
${form('sign-out-everywhere', '', 'Sign out everywhere')}</section>
<section><h2>Connected apps</h2>
${apps}</section>
<p class="footer"><a href="${escapeHtml(`${issuer}/end-session`)}">Sign out of this browser</a></p>`,
  });
}

/** After "sign out everywhere": this browser is signed out too. */
export function renderSignedOutEverywhere(issuer: string, tenant: Tenant): HttpResponse {
  return page(200, {
    title: `Signed out · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: 'You are signed out everywhere',
    body: `<p>Every browser and app signed in to your ${escapeHtml(brandOf(tenant).name)} account is signed out, this one too. Apps will ask you to sign in again.</p>
<p><a href="${escapeHtml(`${issuer}/account`)}">Sign in again</a></p>`,
  });
}
