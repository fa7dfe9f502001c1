import {
  accountCsrf,
  accountSignIn,
  checkAccountCsrf,
  deletePasskey,
  isFresh,
  isSensitive,
  loadAccount,
  renamePasskey,
  revokeApp,
  type SignedIn,
  saveProfile,
  signOutEverywhere,
} from '../core/account/account.ts';
import { AccountForm } from '../core/account/inputs.ts';
import {
  isNotice,
  type PendingActionView,
  renderAccountPage,
  renderSignedOutEverywhere,
} from '../core/account/pages.ts';
import { brandOf } from '../core/branding.ts';
import { epochSeconds } from '../core/clock.ts';
import { getStore } from '../core/deps.ts';
import { AccessDenied } from '../core/errors.ts';
import { sentFromAnotherSite } from '../core/http/form-origin.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, redirect } from '../core/http/types.ts';
import { type Locale, localeOf } from '../core/i18n/locales.ts';
import { t } from '../core/i18n/messages.ts';
import { issuerOf } from '../core/issuer.ts';
import { findClientOf } from '../core/oidc/client-metadata-documents.ts';
import { clearCookie, SESSION_COOKIE } from '../core/oidc/cookies.ts';
import { liveSession, loadInteraction } from '../core/oidc/sign-in.ts';
import { pageTenant } from '../core/passkeys/interaction-page.ts';
import { renderEnrollPage, renderPageError } from '../core/passkeys/pages.ts';
import { relyingPartyOf } from '../core/passkeys/relying-party.ts';
import type { Store } from '../core/store/store.ts';
import type { Tenant } from '../core/store/tenants.ts';
import { parseInput } from '../core/validation.ts';

/** Back to the page after a change (POST/redirect/GET), with the notice to show. */
const seeAccount = (issuer: string, done?: string) => ({
  ...redirect(`${issuer}/account${done ? `?done=${done}` : ''}`),
  status: 303,
});

/**
 * GET|POST {issuer}/account — the signed-in person's own account: profile, passkeys (rename, remove, add), where
 * they are signed in (sign out everywhere) and the apps with access (remove). Without a session the browser is sent
 * through the passkey sign-in first and comes back. Changes are form POSTs with a session-bound anti-CSRF token; the
 * sensitive ones need a passkey ceremony at most 5 minutes old, else a re-authentication only this account can pass.
 */
export async function accountPage(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const locale = localeOf(req);
  const found = await pageTenant(req, store, locale, 'error.noSuchAccountAddress');
  if ('page' in found) return found.page;
  const { tenant } = found;
  const issuer = issuerOf(req, tenant.id);
  try {
    const signedIn = await liveSession(req, store, tenant);
    if (!signedIn) {
      const { url, cookies } = await accountSignIn(req, store, tenant);
      return { ...redirect(url, { cookies }), status: 303 };
    }
    if (req.method === 'POST') return await change(req, store, tenant, issuer, signedIn, locale);
    const view = await loadAccount(store, tenant, signedIn);
    const pendingAction =
      req.query.continue !== undefined
        ? await pendingActionOf(req, store, tenant, req.query.continue, signedIn.user.userId)
        : undefined;
    return renderAccountPage(tenant, view, {
      pendingAction,
      issuer,
      csrf: accountCsrf(signedIn.sid),
      rpId: relyingPartyOf(req, tenant).id,
      now: epochSeconds(store.clock),
      notice: isNotice(req.query.done) ? req.query.done : undefined,
      locale,
    });
  } catch (error) {
    return renderPageError(error, req.traceId, locale, brandOf(tenant));
  }
}

/**
 * The step-up action a `redirectToSettings` sign-in left for this page (`?continue=`): of this browser, still live,
 * signed in to by this account and waiting for Continue. Anything else shows the page without it.
 */
async function pendingActionOf(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interactionId: string,
  userId: string,
): Promise<PendingActionView | undefined> {
  const interaction = await loadInteraction(req, store, tenant, interactionId).catch(() => undefined);
  if (!interaction?.action?.redirectToSettings || interaction.consentFor?.userId !== userId) return undefined;
  const client = await findClientOf(store, tenant, interaction.clientId);
  if (!client) return undefined;
  return {
    interactionId: interaction.id,
    csrf: interaction.csrf,
    clientName: client.clientName,
    redirectUri: interaction.redirectUri,
  };
}

async function change(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  issuer: string,
  signedIn: SignedIn,
  locale: Locale,
): Promise<HttpResponse> {
  // A foreign origin is refused outright; the session-bound token decides the rest.
  if (sentFromAnotherSite(req, issuer)) throw new AccessDenied('This change was sent from another site.');
  checkAccountCsrf(signedIn, req.form.csrf);
  const form = parseInput(AccountForm, req.form);
  const { user } = signedIn;
  if (
    form.action === 'reauthenticate' ||
    (isSensitive(form) && !isFresh(signedIn.session, epochSeconds(store.clock)))
  ) {
    const { url, cookies } = await accountSignIn(req, store, tenant, { expectedUserId: user.userId });
    return { ...redirect(url, { cookies }), status: 303 };
  }
  switch (form.action) {
    case 'profile':
      return seeAccount(issuer, await saveProfile(req, store, tenant, user, form));
    case 'rename-passkey':
      return seeAccount(issuer, await renamePasskey(store, tenant, user, form.credentialId, form.name));
    case 'delete-passkey': {
      const passkeys = await store.users.listPasskeys(tenant.id, user.userId);
      return seeAccount(
        issuer,
        await deletePasskey(req, store, tenant, { user, passkeys }, form.credentialId, form.confirmLast),
      );
    }
    case 'revoke-app':
      return seeAccount(issuer, await revokeApp(req, store, tenant, user, form.clientId));
    case 'sign-out-everywhere':
      await signOutEverywhere(req, store, tenant, user);
      return {
        ...renderSignedOutEverywhere(issuer, tenant, locale),
        cookies: [clearCookie(req, tenant.id, SESSION_COOKIE)],
      };
    case 'add-passkey': {
      const { interaction, cookies } = await accountSignIn(req, store, tenant, {
        expectedUserId: user.userId,
        intent: 'add-passkey',
      });
      return {
        ...renderEnrollPage(issuer, tenant, interaction, locale, {
          heading: t(locale, 'account.addPasskey'),
          intro: t(locale, 'account.addPasskeyIntro'),
          email: user.email,
        }),
        cookies,
      };
    }
  }
}

export const handler = createTenantHandler(accountPage, { allowRepeated: true, page: true });
