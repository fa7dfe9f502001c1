import { randomUUID } from 'node:crypto';
import type { ActionOutcome, ActionState } from '../actions/rules.ts';
import { epochSeconds } from '../clock.ts';
import { safeEqual, sha256 } from '../crypto.ts';
import { AccessDenied, InvalidRequest } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { issuerOf } from '../issuer.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { commit } from '../store/transaction.ts';
import { isUserActive } from '../store/users.ts';
import { type AcrRequest, acrSatisfies, issuedAcr, UnmetAuthenticationRequirements } from './acr.ts';
import { authorizationResponseUrl } from './authorization-response.ts';
import { consentNeeded } from './consent.ts';
import { BROWSER_COOKIE, SESSION_COOKIE, serializeCookie } from './cookies.ts';

/** Header the hosted pages send on every POST with the interaction's anti-CSRF token. */
export const CSRF_HEADER = 'x-keyway-csrf';

/** `amr` for a user-verified passkey (RFC 8176: hardware-bound key + user presence/verification). */
export const PASSKEY_AMR = ['hwk', 'user'] as const;

/** `amr` of a recovery: the emailed one-time code proved the user, then a new user-verified passkey was made. */
export const RECOVERY_AMR = ['otp', 'hwk', 'user'] as const;

/**
 * Loads the interaction a hosted page is working on. It must still be pending and belong to this browser
 * (the browser-binding cookie set by authorize), so a sign-in link cannot be completed in another browser.
 */
export async function loadInteraction(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interactionId: string | undefined,
): Promise<Interaction> {
  if (!interactionId) throw new InvalidRequest('The sign-in request is missing; start again from the application.');
  const interaction = await store.interactions.findInteraction(tenant.id, interactionId);
  const browser = req.cookies[BROWSER_COOKIE];
  if (!interaction || interaction.expiresAt <= epochSeconds(store.clock))
    throw new InvalidRequest('This sign-in request has expired; start again from the application.');
  if (!browser || !safeEqual(sha256(browser), interaction.browserHash))
    throw new AccessDenied(
      'This sign-in was started in another browser. Go back to the application in this browser and sign in again.',
    );
  return interaction;
}

/** Like loadInteraction, for the pages' JSON POSTs: also requires the anti-CSRF header. */
export async function loadInteractionForPost(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interactionId: string | undefined,
): Promise<Interaction> {
  const interaction = await loadInteraction(req, store, tenant, interactionId);
  const csrf = req.headers[CSRF_HEADER];
  if (!csrf || !safeEqual(csrf, interaction.csrf)) throw new AccessDenied('Missing or invalid anti-CSRF token.');
  return interaction;
}

/**
 * The tenant's signed-in user of this browser: its session cookie names a live session, and the session outlives
 * nothing of its user (deleted, suspended or signed out everywhere ends it). Single sign-on and the device page read it.
 */
export async function liveSession(req: HttpRequest, store: Store, tenant: Tenant) {
  const sid = req.cookies[SESSION_COOKIE];
  const session = sid ? await store.sessions.findSession(tenant.id, sid) : undefined;
  if (!sid || !session || session.expiresAt <= epochSeconds(store.clock)) return undefined;
  const user = await store.users.findUser(tenant.id, session.userId);
  return user && isUserActive(user, session.authTime) ? { sid, session, user } : undefined;
}

/**
 * May a sign-in proved at `authTime` by `amr` answer a request without a new ceremony? Not when it is older than the
 * request's `max_age` (OIDC Core §3.1.2.1), nor of a weaker class than its `acr` asks (RFC 9470 §4: the client asks
 * again with `acr_values` and `max_age` after a resource server's `insufficient_user_authentication`).
 */
export function sessionMeets(
  auth: { readonly authTime: number; readonly amr: readonly string[] },
  request: { readonly maxAge?: number | undefined; readonly acr?: AcrRequest | undefined },
  now: number,
): boolean {
  return (request.maxAge === undefined || now - auth.authTime <= request.maxAge) && acrSatisfies(auth.amr, request.acr);
}

/**
 * Issues an authorization code for `userId` and returns the client redirect that carries it. Shared by
 * authorize (single sign-on from an existing session), completeSignIn (after a passkey ceremony) and the consent
 * page's Allow.
 */
export async function issueCodeRedirect(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  request: Pick<
    Interaction,
    'clientId' | 'redirectUri' | 'codeChallenge' | 'scope' | 'nonce' | 'state' | 'resource' | 'acr'
  >,
  auth: { userId: string; authTime: number; amr: readonly string[] },
  action?: ActionOutcome,
): Promise<string> {
  const acr = issuedAcr(auth.amr, request.acr);
  const code = await store.codes.issueCode({
    tenantId: tenant.id,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scope: request.scope,
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    ...(request.resource !== undefined ? { resource: request.resource } : {}),
    userId: auth.userId,
    authTime: auth.authTime,
    amr: auth.amr,
    ...(acr !== undefined ? { acr } : {}),
    ...(action ? { action } : {}),
    grantId: randomUUID(),
  });
  return authorizationResponseUrl(request.redirectUri, { code, state: request.state }, issuerOf(req, tenant.id));
}

/**
 * Does issuing a code for `userId` wait for the consent page (OIDC Core §3.1.2.4)? The interaction's policy was
 * decided at authorize without any read; only `unless-granted` reads the user's stored consent (one GetItem), so a
 * first-party sign-in without `offline_access` reads nothing here.
 */
export async function needsConsent(
  store: Store,
  tenant: Tenant,
  request: Pick<Interaction, 'consent' | 'clientId' | 'scope'>,
  userId: string,
): Promise<boolean> {
  if (request.consent === undefined) return false;
  const stored =
    request.consent === 'unless-granted' ? await store.consents.find(tenant.id, userId, request.clientId) : undefined;
  return consentNeeded(request.consent, request.scope, stored);
}

/** Where the browser answers the consent question of an interaction. */
export function consentPageUrl(req: HttpRequest, tenant: Tenant, interactionId: string): string {
  return `${issuerOf(req, tenant.id)}/consent?interaction=${encodeURIComponent(interactionId)}`;
}

/**
 * After a passkey ceremony verified `userId`: starts the tenant's SSO session and returns where the browser goes next
 * plus the cookies to set. That is the client redirect with a code; or, when the client must ask first (see
 * needsConsent), the consent page, with the account recorded on the interaction for the code the Allow issues. The
 * interaction ends exactly once either way: here when the code is issued now, with the answer otherwise. `amr`
 * overrides the passkey's (RFC 8176) where something else proved the user: a recovery is an emailed one-time code
 * plus the new passkey.
 */
export async function completeSignIn(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  userId: string,
  options: { readonly finished?: boolean; readonly amr?: readonly string[] } = {},
): Promise<{ redirectTo: string; cookies: string[] }> {
  const authTime = epochSeconds(store.clock);
  const amr = [...(options.amr ?? PASSKEY_AMR)];
  // A sign-in for the device page or the account page issues no code, so it never asks (the device page asks itself).
  const issuesCode = interaction.deviceUserCode === undefined && interaction.returnTo === undefined;
  // OIDC Core §5.5.1.1: an essential acr the ceremony did not reach (a recovery where a passkey was required) is an
  // error for the client, not a code; the user is signed in all the same.
  const unmet = issuesCode && interaction.acr?.essential === true && !acrSatisfies(amr, interaction.acr);
  // A step-up action was started by the tenant's own backend for this user: it answers with a code, never asks.
  const asks =
    issuesCode &&
    !unmet &&
    interaction.action === undefined &&
    (await needsConsent(store, tenant, interaction, userId));
  // A step-up action with `redirectToSettings` goes to the account page first; the code waits for its Continue, so the
  // interaction records who signed in (as for the consent page) and stays until then.
  const toSettings = issuesCode && interaction.action?.redirectToSettings === true;
  // `finished`: the caller ended the interaction in its own transaction (an add-passkey enrollment, never a consent).
  const claimed = options.finished
    ? true
    : asks || toSettings
      ? await store.interactions.awaitConsent(tenant.id, interaction.id, { userId, authTime, amr })
      : await store.interactions.finishInteraction(tenant.id, interaction.id);
  if (!claimed) throw new InvalidRequest('This sign-in request was already completed.');
  // A sign-in for the account page (a re-authentication, a new passkey) replaces this browser's session: the one it
  // had ends, so the account's list of sessions stays true.
  const previous = interaction.returnTo === 'account' ? req.cookies[SESSION_COOKIE] : undefined;
  const previousSession = previous ? await store.sessions.findSession(tenant.id, previous) : undefined;
  if (previous && previousSession) await store.sessions.endSession(tenant.id, previous, previousSession.userId);
  const ttl = tenant.settings.sessionTtlSeconds;
  const sid = await store.sessions.createSession({ tenantId: tenant.id, userId, authTime, amr }, ttl, {
    clientId: interaction.clientId,
  });
  // A sign-in for the device page goes back there to approve or deny, one for the account page goes there.
  const issuer = issuerOf(req, tenant.id);
  const redirectTo =
    interaction.deviceUserCode !== undefined
      ? `${issuer}/device?user_code=${encodeURIComponent(interaction.deviceUserCode)}`
      : interaction.returnTo === 'account'
        ? `${issuer}/account${interaction.intent === 'add-passkey' ? '?done=passkey-added' : ''}`
        : asks
          ? consentPageUrl(req, tenant, interaction.id)
          : unmet
            ? unmetRedirect(req, tenant, interaction)
            : toSettings
              ? `${issuer}/account?continue=${encodeURIComponent(interaction.id)}`
              : interaction.action
                ? await finishAction(
                    req,
                    store,
                    tenant,
                    interaction,
                    { ...interaction.action, userId },
                    'CHALLENGE_SUCCEEDED',
                    { authTime, amr },
                  )
                : await issueCodeRedirect(req, store, tenant, interaction, { userId, authTime, amr });
  return {
    redirectTo,
    cookies: [serializeCookie(req, tenant.id, SESSION_COOKIE, sid, ttl)],
  };
}

/** The client redirect for a sign-in whose class its essential `acr` request did not accept. */
function unmetRedirect(req: HttpRequest, tenant: Tenant, interaction: Interaction): string {
  const error = new UnmetAuthenticationRequirements(
    `The sign-in did not meet the requested acr (${interaction.acr?.values.join(' ')}).`,
  );
  return authorizationResponseUrl(
    interaction.redirectUri,
    { error: error.code, error_description: error.detail, state: interaction.state },
    issuerOf(req, tenant.id),
  );
}

/**
 * Ends a step-up action with `state` and returns the client redirect with its code: the record's outcome, the audit
 * entry and the `action.completed` event commit together, once (a second ending fails), then the code is issued. A
 * BLOCK or a failed challenge grants no scope: the access token says what happened and opens nothing.
 */
export async function finishAction(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  request: Pick<Interaction, 'clientId' | 'redirectUri' | 'codeChallenge' | 'scope' | 'nonce' | 'state' | 'resource'>,
  action: { readonly id: string; readonly name: string; readonly userId: string },
  state: ActionState,
  auth?: { readonly authTime: number; readonly amr: readonly string[] },
): Promise<string> {
  const now = epochSeconds(store.clock);
  const nowMs = store.clock.now();
  const data = {
    action_id: action.id,
    action: action.name,
    state,
    user_id: action.userId,
    client_id: request.clientId,
  };
  await commit(store.table, [
    store.stepUps.completePart(
      tenant.id,
      action.id,
      state,
      now,
      () => new InvalidRequest('This action was already completed; start again from the application.'),
    ),
    store.auditLog.appendEntry(
      tenant.id,
      {
        actor: `user:${action.userId}`,
        action: 'action.completed',
        target: { type: 'user', id: action.userId },
        traceId: req.traceId,
        changes: { action_id: action.id, action: action.name, state, client_id: request.clientId },
      },
      nowMs,
    ),
    ...store.events.emit(tenant.id, { type: 'action.completed', data }, nowMs),
  ]);
  const granted = state === 'ALLOW' || state === 'CHALLENGE_SUCCEEDED';
  return issueCodeRedirect(
    req,
    store,
    tenant,
    { ...request, scope: granted ? request.scope : '' },
    { userId: action.userId, authTime: auth?.authTime ?? now, amr: auth?.amr ?? [] },
    { id: action.id, name: action.name, state },
  );
}
