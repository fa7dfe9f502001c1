import { ACCOUNT_CLIENT_ID } from '../account/account.ts';
import { brandOf } from '../branding.ts';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import type { HttpRequest, HttpResponse } from '../http/types.ts';
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

const HEADING = 'Set up your passkey';
const UNUSABLE = 'This invitation link has expired or was already used. Ask your administrator to send a new one.';
/** The browser-binding cookie lives as long as on the device page: longer than any interaction it binds. */
const BROWSER_COOKIE_SECONDS = 24 * 3600;

/** What a link that cannot be used shows: expired, used, replaced by a newer one, malformed, or its user is gone. */
function unusable(req: HttpRequest, tenant: Tenant): HttpResponse {
  return errorPage(410, 'This link cannot be used', UNUSABLE, req.traceId, brandOf(tenant));
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
  const token = tokenOf(req);
  const opened = await openInvitation(store, tenant, token);
  if (!opened || token === undefined) return unusable(req, tenant);
  return page(200, {
    title: `${HEADING} · ${brandOf(tenant).name}`,
    brand: brandOf(tenant),
    heading: HEADING,
    body: `<p>You were invited to ${escapeHtml(brandOf(tenant).name)}. Continue to create a passkey for your account: your device will ask for your fingerprint, face or screen lock. No password needed.</p>
<p><strong>${escapeHtml(opened.user.email)}</strong></p>
<form method="post" action="${escapeHtml(`${issuerOf(req, tenant.id)}/invitation`)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button class="primary" type="submit">Continue</button>
</form>
<p class="footer">The link works once. Continue on the device you want to sign in with.</p>`,
  });
}

/**
 * POST: accepts the invitation. The add-passkey interaction is created first and the link spent second, so the link
 * is never spent without a page to continue on; an interaction left by a lost race is never shown to anyone and
 * expires. Only the browser that posted can continue (the binding cookie), only with this user's new passkey.
 */
export async function acceptInvitation(req: HttpRequest, store: Store, tenant: Tenant): Promise<HttpResponse> {
  const issuer = issuerOf(req, tenant.id);
  // The pages are served with `Referrer-Policy: no-referrer`, so a form POST carries `Origin: null`; another site's
  // origin is refused (the token is the real protection: a forged form does not have it).
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== new URL(issuer).origin)
    return errorPage(
      403,
      'This request cannot be accepted',
      'Open the link from your invitation email again.',
      req.traceId,
      brandOf(tenant),
    );
  const token = tokenOf(req);
  const opened = await openInvitation(store, tenant, token);
  if (!opened || token === undefined) return unusable(req, tenant);
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
  if (!(await store.invitations.spendInvitation(tenant.id, token))) return unusable(req, tenant);
  const enroll = renderEnrollPage(issuer, tenant, interaction, {
    heading: HEADING,
    intro:
      'Create a passkey for your account: your device will ask for your fingerprint, face or screen lock. You are signed in as soon as it is made.',
    email: opened.user.email,
  });
  return { ...enroll, cookies: [serializeCookie(req, tenant.id, BROWSER_COOKIE, browser, BROWSER_COOKIE_SECONDS)] };
}
