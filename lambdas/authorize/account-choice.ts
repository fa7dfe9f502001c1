import { brandOf } from '../core/branding.ts';
import { epochSeconds } from '../core/clock.ts';
import { safeEqual } from '../core/crypto.ts';
import { AccessDenied, InvalidRequest } from '../core/errors.ts';
import { sentFromAnotherSite } from '../core/http/form-origin.ts';
import { type HttpRequest, type HttpResponse, redirect } from '../core/http/types.ts';
import { type Locale, localeOf } from '../core/i18n/locales.ts';
import { t } from '../core/i18n/messages.ts';
import { issuerOf } from '../core/issuer.ts';
import { findClientOf } from '../core/oidc/client-metadata-documents.ts';
import { backToClient, errorPage } from '../core/oidc/error-page.ts';
import {
  consentPageUrl,
  finishAction,
  issueCodeRedirect,
  liveSession,
  loadInteraction,
  needsConsent,
  sessionMeets,
} from '../core/oidc/sign-in.ts';
import { renderPageError } from '../core/passkeys/pages.ts';
import type { Interaction } from '../core/store/interactions.ts';
import type { Store } from '../core/store/store.ts';
import type { Tenant } from '../core/store/tenants.ts';
import { isUserActive } from '../core/store/users.ts';

/** The account choice page's answer: a form POST to authorize that carries these instead of an authorization request. */
export function isAccountChoice(req: HttpRequest): boolean {
  return req.method === 'POST' && req.form.continue === '1' && req.form.interaction !== undefined;
}

/**
 * POST {issuer}/authorize `interaction, csrf, account, continue=1` — "Continue" on the page authorize shows a signed-in
 * browser for `prompt=select_account` (OIDC Core §3.1.2.1): issues the code for the session's account, as single
 * sign-on would have without the prompt. Only for an interaction of this browser that asked to choose (a `prompt=login`
 * one cannot be continued from the session), with its anti-CSRF token, while the session is still live, fresh enough
 * for the request's `max_age`, and of the account the page showed; otherwise the browser goes to the passkey sign-in
 * of the same interaction. Continue ends the interaction, or, where the client must ask first (oidc/consent.ts),
 * hands it to the consent page with the session's account.
 */
export async function continueWithSession(req: HttpRequest, store: Store, tenant: Tenant): Promise<HttpResponse> {
  const answered = await answeredInteraction(
    req,
    store,
    tenant,
    (interaction) => interaction.prompt === 'select_account',
    'the sign-in did not ask to choose an account (prompt=select_account)',
  );
  if (!('interaction' in answered)) return answered;
  const { interaction } = answered;
  const form = req.form;
  const issuer = issuerOf(req, tenant.id);
  const live = await liveSession(req, store, tenant);
  const fresh =
    live !== undefined &&
    live.user.userId === form.account &&
    sessionMeets(live.session, interaction, epochSeconds(store.clock));
  if (!live || !fresh) return redirect(`${issuer}/login?interaction=${encodeURIComponent(interaction.id)}`);
  const done = () =>
    new InvalidRequest('This sign-in request was already completed; start again from the application.');
  // Continue is the sign-in. Where the client must ask first, the interaction records the account and waits for the
  // consent page's answer, which ends it; otherwise Continue ends it (once), as a passkey sign-in would: a second
  // Continue mints nothing.
  const { userId, authTime, amr } = live.session;
  if (await needsConsent(store, tenant, interaction, userId)) {
    if (!(await store.interactions.awaitConsent(tenant.id, interaction.id, { userId, authTime, amr }))) throw done();
    return redirect(consentPageUrl(req, tenant, interaction.id));
  }
  if (!(await store.interactions.finishInteraction(tenant.id, interaction.id))) throw done();
  return redirect(await issueCodeRedirect(req, store, tenant, interaction, live.session));
}

function refused(
  req: HttpRequest,
  tenant: Tenant,
  locale: Locale,
  developerDetail: string,
  back?: ReturnType<typeof backToClient>,
): HttpResponse {
  return errorPage(403, t(locale, 'error.answerRefused'), t(locale, 'choice.refused'), req.traceId, brandOf(tenant), {
    locale,
    developerDetail,
    ...(back ? { back } : {}),
  });
}

/**
 * The interaction a form of one of authorize's own pages answers (the account choice, a step-up's Cancel): of this
 * browser, live, with its anti-CSRF token, posted from this site, and of the kind the form is for (`accepts`);
 * anything else is a page that says the answer was refused (`why` for developers).
 */
async function answeredInteraction(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  accepts: (interaction: Interaction) => boolean,
  why: string,
): Promise<{ interaction: Interaction } | HttpResponse> {
  let locale = localeOf(req);
  if (req.repeated.length > 0)
    return refused(req, tenant, locale, `The form repeats the parameter '${req.repeated[0]}'.`);
  let interaction: Interaction;
  try {
    interaction = await loadInteraction(req, store, tenant, req.form.interaction);
  } catch (error) {
    // Expired, or started in another browser: the same pages the hosted sign-in shows.
    return renderPageError(error, req.traceId, locale, brandOf(tenant));
  }
  locale = localeOf(req, interaction);
  // Only this page can answer: a form posted from another site lacks the interaction's token (and its Origin shows it).
  const foreign = sentFromAnotherSite(req, issuerOf(req, tenant.id));
  if (foreign || !safeEqual(req.form.csrf ?? '', interaction.csrf) || !accepts(interaction)) {
    const client = await findClientOf(store, tenant, interaction.clientId);
    return refused(
      req,
      tenant,
      locale,
      `The form was not sent by this sign-in’s page (its origin or anti-CSRF token does not match), or ${why}.`,
      client ? backToClient(client) : undefined,
    );
  }
  return { interaction };
}

/** A step-up challenge's Cancel: a form POST to authorize that carries these instead of an authorization request. */
export function isActionCancel(req: HttpRequest): boolean {
  return req.method === 'POST' && req.form.cancel === '1' && req.form.interaction !== undefined;
}

/**
 * POST {issuer}/authorize `interaction, csrf, cancel=1` — the user declined a step-up action's passkey challenge: the
 * interaction ends (once) and the client still gets a code, whose access token says CHALLENGE_FAILED.
 */
export async function cancelAction(req: HttpRequest, store: Store, tenant: Tenant): Promise<HttpResponse> {
  const answered = await answeredInteraction(
    req,
    store,
    tenant,
    (interaction) => interaction.action !== undefined && interaction.expectedUserId !== undefined,
    'the sign-in is no step-up action',
  );
  if (!('interaction' in answered)) return answered;
  const { interaction } = answered;
  if (!(await store.interactions.finishInteraction(tenant.id, interaction.id)))
    throw new InvalidRequest('This sign-in request was already completed; start again from the application.');
  const action = { ...interaction.action!, userId: interaction.expectedUserId! };
  return redirect(await finishAction(req, store, tenant, interaction, action, 'CHALLENGE_FAILED'));
}

/** The account page's "Continue to {app}" after a step-up with `redirectToSettings`. */
export function isActionContinue(req: HttpRequest): boolean {
  return req.method === 'POST' && req.form.finish === '1' && req.form.interaction !== undefined;
}

/**
 * POST {issuer}/authorize `interaction, csrf, finish=1` — the user is done on the account page a step-up action
 * (`redirectToSettings`) led to: the interaction, which recorded who passed the challenge, ends (once) and the
 * client gets its code now, whose access token says CHALLENGE_SUCCEEDED.
 */
export async function continueAction(req: HttpRequest, store: Store, tenant: Tenant): Promise<HttpResponse> {
  const answered = await answeredInteraction(
    req,
    store,
    tenant,
    (interaction) =>
      interaction.action?.redirectToSettings === true && interaction.consentFor?.userId === interaction.expectedUserId,
    'the sign-in is no step-up action waiting on the account page',
  );
  if (!('interaction' in answered)) return answered;
  const { interaction } = answered;
  const signedIn = interaction.consentFor!;
  // Suspended or signed out everywhere since the passkey: the action is not confirmed by anyone who may still act.
  const user = await store.users.findUser(tenant.id, signedIn.userId);
  if (!user || !isUserActive(user, signedIn.authTime))
    throw new AccessDenied(
      'This account was suspended or signed out since it confirmed; start again from the application.',
    );
  if (!(await store.interactions.finishInteraction(tenant.id, interaction.id, 'consent')))
    throw new InvalidRequest('This sign-in request was already completed; start again from the application.');
  const action = { ...interaction.action!, userId: signedIn.userId };
  return redirect(await finishAction(req, store, tenant, interaction, action, 'CHALLENGE_SUCCEEDED', signedIn));
}
