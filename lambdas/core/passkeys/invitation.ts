import { ACCOUNT_CLIENT_ID } from '../account/account.ts';
import { brandOf } from '../branding.ts';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { sentFromAnotherSite } from '../http/form-origin.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpRequest, HttpResponse } from '../http/types.ts';
import { type Locale, localeOf } from '../i18n/locales.ts';
import { t, tHtml } from '../i18n/messages.ts';
import { issuerOf } from '../issuer.ts';
import { BROWSER_COOKIE, serializeCookie } from '../oidc/cookies.ts';
import { errorPage } from '../oidc/error-page.ts';
import { type Invitation, isInvitationOpen } from '../store/invitations.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { User } from '../store/users.ts';
import { renderEnrollPage } from './pages.ts';

/*
 * The page an invitation email links to, `{issuer}/invitation?token=…`. GET only looks: mail scanners and link
 * previews fetch links before the person does, so opening the link spends nothing. The page's Continue button POSTs
 * the token (the secret itself is what a forged form lacks); that spends it, once, and starts an add-passkey
 * interaction bound to this browser, whose passkey page (renderEnrollPage) enrolls the passkey, verifies the address
 * and signs the user in to `{issuer}/account`.
 */

/** The browser-binding cookie lives as long as on the device page: longer than any interaction it binds. */
const BROWSER_COOKIE_SECONDS = 24 * 3600;

/** What a link that cannot be used shows: expired, used, replaced by a newer one, malformed, or its user is gone. */
function unusable(req: HttpRequest, tenant: Tenant, locale: Locale): HttpResponse {
  return errorPage(
    410,
    t(locale, 'invitation.unusable'),
    t(locale, 'invitation.unusableMessage'),
    req.traceId,
    brandOf(tenant),
    { locale },
  );
}

/** The token a GET (query) or POST (form) carries; a repeated one is no token. */
function tokenOf(req: HttpRequest): string | undefined {
  if (req.repeated.includes('token')) return undefined;
  return req.method === 'POST' ? req.form.token : req.query.token;
}

/**
 * The account an invitation may still enroll a passkey for: the link is the user's current one, unused and
 * unexpired; the user exists, is not suspended and still has the address the link was sent to (accepting it proves
 * that address, no other).
 */
async function openInvitation(
  store: Store,
  tenant: Tenant,
  token: string | undefined,
): Promise<{ invitation: Invitation; user: User } | undefined> {
  if (token === undefined) return undefined;
  const invitation = await store.invitations.findInvitation(tenant.id, token);
  if (!invitation || !isInvitationOpen(invitation, epochSeconds(store.clock))) return undefined;
  const user = await store.users.findUser(tenant.id, invitation.userId);
  if (!user || user.suspended || user.email !== invitation.email) return undefined;
  return { invitation, user };
}

/** GET: who the invitation is for, and a Continue button that accepts it. Spends nothing. */
export async function showInvitation(req: HttpRequest, store: Store, tenant: Tenant): Promise<HttpResponse> {
  const locale = localeOf(req);
  const token = tokenOf(req);
  const opened = await openInvitation(store, tenant, token);
  if (!opened || token === undefined) return unusable(req, tenant, locale);
  const heading = t(locale, 'invitation.heading');
  return page(200, {
    locale,
    title: `${heading} · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading,
    body: `<p>${tHtml(locale, 'invitation.intro', { tenant: escapeHtml(brandOf(tenant).name) })}</p>
<p><strong>${escapeHtml(opened.user.email)}</strong></p>
<form method="post" action="${escapeHtml(`${issuerOf(req, tenant.id)}/invitation`)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button class="primary" type="submit">${tHtml(locale, 'common.continue')}</button>
</form>
<p class="footer">${tHtml(locale, 'invitation.once')}</p>`,
  });
}

/**
 * POST: accepts the invitation. The add-passkey interaction is created first and the link spent second, so the link
 * is never spent without a page to continue on; an interaction left by a lost race is never shown to anyone and
 * expires. Only the browser that posted can continue (the binding cookie), only with this user's new passkey.
 */
export async function acceptInvitation(req: HttpRequest, store: Store, tenant: Tenant): Promise<HttpResponse> {
  const issuer = issuerOf(req, tenant.id);
  const locale = localeOf(req);
  // Another site's origin is refused (the token is the real protection: a forged form does not have it).
  if (sentFromAnotherSite(req, issuer))
    return errorPage(
      403,
      t(locale, 'invitation.refused'),
      t(locale, 'invitation.openAgain'),
      req.traceId,
      brandOf(tenant),
      { locale },
    );
  const token = tokenOf(req);
  const opened = await openInvitation(store, tenant, token);
  if (!opened || token === undefined) return unusable(req, tenant, locale);
  const browser = req.cookies[BROWSER_COOKIE] ?? randomToken();
  const interaction = await store.interactions.createInteraction({
    tenantId: tenant.id,
    // No client: the sign-in is for Keyway's own account page (returnTo), which issues no code.
    clientId: ACCOUNT_CLIENT_ID,
    redirectUri: `${issuer}/account`,
    codeChallenge: '',
    scope: 'openid',
    returnTo: 'account',
    intent: 'add-passkey',
    expectedUserId: opened.user.userId,
    verifiesEmail: opened.user.email,
    browserHash: sha256(browser),
  });
  if (!(await store.invitations.spendInvitation(tenant.id, token))) return unusable(req, tenant, locale);
  const enroll = renderEnrollPage(issuer, tenant, interaction, locale, {
    heading: t(locale, 'invitation.heading'),
    intro: t(locale, 'invitation.enrollIntro'),
    email: opened.user.email,
  });
  return { ...enroll, cookies: [serializeCookie(req, tenant.id, BROWSER_COOKIE, browser, BROWSER_COOKIE_SECONDS)] };
}
