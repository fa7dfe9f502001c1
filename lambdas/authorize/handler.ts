import { brandOf } from '../core/branding.ts';
import { epochSeconds } from '../core/clock.ts';
import { randomToken, sha256 } from '../core/crypto.ts';
import { getStore } from '../core/deps.ts';
import { InvalidRequest, KeywayError, LoginRequired } from '../core/errors.ts';
import { oauthErrorCode } from '../core/http/problem.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, redirect } from '../core/http/types.ts';
import { localeOf } from '../core/i18n/locales.ts';
import { t } from '../core/i18n/messages.ts';
import { findTenantOf, issuerOf } from '../core/issuer.ts';
import { validateAuthorizationRequest } from '../core/oidc/authorization-request.ts';
import { authorizationResponseUrl } from '../core/oidc/authorization-response.ts';
import { lookUpClient } from '../core/oidc/client-metadata-documents.ts';
import { ConsentRequired, consentPolicy } from '../core/oidc/consent.ts';
import { BROWSER_COOKIE, serializeCookie } from '../core/oidc/cookies.ts';
import { backToClient, errorPage } from '../core/oidc/error-page.ts';
import { matchesRegisteredRedirectUri } from '../core/oidc/redirect-uris.ts';
import { requestedResource, resolveResource } from '../core/oidc/resources.ts';
import {
  consentPageUrl,
  finishAction,
  issueCodeRedirect,
  liveSession,
  needsConsent,
  sessionMeets,
} from '../core/oidc/sign-in.ts';
import { renderSignInPage } from '../core/passkeys/pages.ts';
import type { ConsentFor } from '../core/store/interactions.ts';
import { REQUEST_URI_PREFIX } from '../core/store/pushed-requests.ts';
import {
  cancelAction,
  continueAction,
  continueWithSession,
  isAccountChoice,
  isActionCancel,
  isActionContinue,
} from './account-choice.ts';
import { claimStepUp } from './step-up.ts';

const BROWSER_COOKIE_TTL = 24 * 3600;

/**
 * GET|POST {issuer}/authorize — RFC 6749 §4.1.1, OIDC Core §3.1.2. Until client and redirect URI are
 * validated, errors are an HTML page (never a redirect: no open redirector). After that, errors go back to
 * the client's redirect URI with `state` and `iss` (RFC 9207). A POST carrying `continue` is no authorization
 * request: it is the answer of the account choice page this endpoint shows for `prompt=select_account`. Where the
 * client must ask the user first (a third-party client, `offline_access`, `prompt=consent`: oidc/consent.ts), single
 * sign-on leads to the consent page instead of the code.
 */
export async function authorize(req: HttpRequest): Promise<HttpResponse> {
  const sent = req.method === 'POST' ? req.form : req.query;
  const store = getStore();
  const tenant = await findTenantOf(req, store);
  // OIDC Core §3.1.2.1 ui_locales, then Accept-Language; the interaction keeps ui_locales for the pages after this one.
  const locale = localeOf({ headers: req.headers, query: sent });
  if (!tenant)
    return errorPage(
      404,
      t(locale, 'authorize.noTenant'),
      t(locale, 'authorize.noTenantMessage'),
      req.traceId,
      undefined,
      { locale, developerDetail: 'The tenant named in the address does not exist.' },
    );
  if (isAccountChoice(req)) return continueWithSession(req, store, tenant);
  if (isActionCancel(req)) return cancelAction(req, store, tenant);
  if (isActionContinue(req)) return continueAction(req, store, tenant);
  // No redirect can be trusted yet (RFC 6749 §4.1.2.1): each of these is a page that says what the user can do, with
  // the reason for the application's developers under it.
  const restart = t(locale, 'authorize.restart');
  const repeated = req.repeated.find((name) => name === 'client_id' || name === 'redirect_uri');
  if (repeated)
    return errorPage(
      400,
      t(locale, 'authorize.broken'),
      `${t(locale, 'authorize.namesTwice')} ${restart}`,
      req.traceId,
      brandOf(tenant),
      { locale, developerDetail: `The request repeats '${repeated}' (RFC 6749 §3.1).` },
    );
  // A registered client, or one described by its Client ID Metadata Document (a client_id URL, where the tenant allows).
  const lookup = sent.client_id ? await lookUpClient(store, tenant, sent.client_id) : undefined;
  const client = lookup?.client;
  if (!client)
    return errorPage(
      400,
      t(locale, 'authorize.unknownClient'),
      `${t(locale, 'authorize.unknownClientMessage', { tenant: brandOf(tenant).name })} ${restart}`,
      req.traceId,
      brandOf(tenant),
      {
        locale,
        developerDetail: lookup?.problem ?? 'The request has no client_id.',
      },
    );
  // RFC 9126 §4: a pushed request is taken (once, by its own client, within 60 s) and stands for the whole request;
  // nothing else in the URL is used. Until then no redirect URI can be trusted, so a bad one is a page.
  const pushedUri = sent.request_uri?.startsWith(REQUEST_URI_PREFIX) ? sent.request_uri : undefined;
  const pushed = pushedUri ? await store.pushedRequests.take(tenant.id, client.clientId, pushedUri) : undefined;
  const back = backToClient(client);
  if (pushedUri && !pushed)
    return errorPage(
      400,
      t(locale, 'authorize.invalidLink'),
      `${t(locale, 'authorize.requestUsed')} ${restart}`,
      req.traceId,
      brandOf(tenant),
      {
        locale,
        developerDetail:
          'invalid_request_uri: the request_uri is unknown, expired (60 s), already used, or was pushed by another client (RFC 9126 §4).',
        ...(back ? { back } : {}),
      },
    );
  const params = pushed ?? sent;
  const redirectUri = params.redirect_uri;
  if (!redirectUri || !matchesRegisteredRedirectUri(redirectUri, client.redirectUris)) {
    // Never a link to the refused address; the application's registered one is a way back.
    return errorPage(
      400,
      t(locale, 'authorize.invalidLink'),
      `${t(locale, 'authorize.unregisteredRedirect', { client: client.clientName })} ${restart}`,
      req.traceId,
      brandOf(tenant),
      {
        locale,
        developerDetail: redirectUri
          ? 'redirect_uri is not one of the client’s registered redirect URIs (compared exactly, RFC 6749 §3.1.2.3; any port only on loopback IPs, RFC 8252 §7.3).'
          : 'The request has no redirect_uri.',
        ...(back ? { back } : {}),
      },
    );
  }

  const issuer = issuerOf(req, tenant.id);
  const state = params.state;
  try {
    const resourceParam = requestedResource(req, params);
    // RFC 6749 §3.1, reported to the (validated) redirect URI like any other invalid request.
    if (req.repeated.length > 0) throw new InvalidRequest(`The parameter '${req.repeated[0]}' is repeated.`);
    if (!pushed && (tenant.settings.requirePushedAuthorizationRequests || client.requirePushedAuthorizationRequests))
      throw new InvalidRequest(
        'Only pushed authorization requests are accepted here: POST them to the pushed_authorization_request_endpoint (RFC 9126 §5, §6).',
      );
    const resource = await resolveResource(store, client, resourceParam);
    const valid = validateAuthorizationRequest(params, client, resource);
    const consent = consentPolicy(client, valid.scope, valid);
    const request = {
      clientId: client.clientId,
      redirectUri,
      codeChallenge: valid.codeChallenge,
      scope: valid.scope,
      nonce: params.nonce,
      state,
      ...(resource ? { resource: resource.identifier } : {}),
      ...(valid.acr ? { acr: valid.acr } : {}),
      // Whether the user is asked before the code (OIDC Core §3.1.2.4), decided from what is read already.
      ...(consent ? { consent } : {}),
    };

    // The browser-binding cookie is reused across tabs so parallel sign-ins in one browser both work.
    const browser = req.cookies[BROWSER_COOKIE] ?? randomToken();
    const cookies = [serializeCookie(req, tenant.id, BROWSER_COOKIE, browser, BROWSER_COOKIE_TTL)];
    const interactionFor = (consentFor?: ConsentFor) =>
      store.interactions.createInteraction({
        tenantId: tenant.id,
        ...request,
        ...(valid.prompt ? { prompt: valid.prompt } : {}),
        ...(valid.maxAge !== undefined ? { maxAge: valid.maxAge } : {}),
        ...(valid.acr ? { acr: valid.acr } : {}),
        ...(params.login_hint ? { loginHint: params.login_hint.slice(0, 320) } : {}),
        ...(params.ui_locales ? { uiLocales: params.ui_locales.slice(0, 100) } : {}),
        ...(consentFor ? { consentFor } : {}),
        browserHash: sha256(browser),
      });

    // A step-up action (init-auth): its rules decided before any challenge, and the redirect always carries a code.
    if (params.token !== undefined) {
      if (valid.prompt === 'none') throw new InvalidRequest('token cannot be combined with prompt=none.');
      const { stepUp, user } = await claimStepUp(store, tenant, client, params, issuer, valid.scope);
      const action = { id: stepUp.id, name: stepUp.action, userId: user.userId };
      if (stepUp.decision !== 'CHALLENGE')
        return redirect(await finishAction(req, store, tenant, request, action, stepUp.decision));
      // A challenge is always a new ceremony, with this user's passkeys only; the tenant's backend asked, so no consent.
      const { consent: _asked, ...plain } = request;
      const challenge = await store.interactions.createInteraction({
        tenantId: tenant.id,
        ...plain,
        prompt: 'login',
        expectedUserId: user.userId,
        loginHint: user.email,
        ...(params.ui_locales ? { uiLocales: params.ui_locales.slice(0, 100) } : {}),
        action: { id: stepUp.id, name: stepUp.action, redirectToSettings: stepUp.redirectToSettings },
        browserHash: sha256(browser),
      });
      return redirect(`${issuer}/login?interaction=${encodeURIComponent(challenge.id)}`, { cookies });
    }

    // Single sign-on from the tenant's session, unless the client forces a new ceremony.
    const live = await liveSession(req, store, tenant);
    const now = epochSeconds(store.clock);
    const fresh =
      live !== undefined &&
      valid.prompt !== 'login' &&
      valid.prompt !== 'create' &&
      sessionMeets(live.session, valid, now);
    if (fresh && valid.prompt !== 'select_account') {
      if (!(await needsConsent(store, tenant, request, live.user.userId)))
        return redirect(await issueCodeRedirect(req, store, tenant, request, live.session));
      // OIDC Core §3.1.2.6: with prompt=none the page cannot be shown.
      if (valid.prompt === 'none') throw new ConsentRequired();
      // The session is the sign-in: an interaction that already carries its account waits for the answer.
      const { userId, authTime, amr } = live.session;
      const pending = await interactionFor({ userId, authTime, amr });
      return redirect(consentPageUrl(req, tenant, pending.id), { cookies });
    }
    if (valid.prompt === 'none') throw new LoginRequired();

    const interaction = await interactionFor();
    // OIDC Core §3.1.2.1 select_account: a live session is offered ("Signed in as … — Continue"), never used silently.
    if (fresh)
      return {
        ...renderSignInPage(issuer, tenant, interaction, locale, {
          account: live.user,
          clientName: client.clientName,
          redirectUri,
        }),
        cookies,
      };
    const page = valid.prompt === 'create' && tenant.settings.signUpOpen ? 'signup' : 'login';
    return redirect(`${issuer}/${page}?interaction=${encodeURIComponent(interaction.id)}`, { cookies });
  } catch (error) {
    if (!(error instanceof KeywayError) || error.status >= 500) throw error;
    // RFC 6749 §4.1.2.1: the error travels back to the (validated) redirect URI.
    return redirect(
      authorizationResponseUrl(
        redirectUri,
        { error: oauthErrorCode(error), error_description: error.detail, state },
        issuer,
      ),
    );
  }
}

export const handler = createTenantHandler(authorize, { allowRepeated: true, page: true });
