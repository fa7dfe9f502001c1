import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { brandOf } from '../branding.ts';
import { epochSeconds } from '../clock.ts';
import { safeEqual, sha256 } from '../crypto.ts';
import { escapeHtml, page } from '../http/page-shell.ts';
import { type HttpRequest, type HttpResponse, redirect } from '../http/types.ts';
import { type Locale, localeOf } from '../i18n/locales.ts';
import { t, tHtml } from '../i18n/messages.ts';
import { issuerOf } from '../issuer.ts';
import { logger } from '../logger.ts';
import { isMetadataDocumentClientId } from '../store/client-metadata-documents.ts';
import type { Client } from '../store/clients.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { findClientOf } from './client-metadata-documents.ts';
import { clearCookie, SESSION_COOKIE } from './cookies.ts';
import { errorPage } from './error-page.ts';

/**
 * OpenID Connect RP-Initiated Logout 1.0 at `{issuer}/end-session`: the checks of a sign-out request, the decision
 * (ask, sign out, send back) and its two pages. The handler only finds the tenant and adapts HTTP.
 */

export interface EndSessionDeps {
  readonly store: Store;
  /** Our public keys; asked for only when the request carries an id_token_hint. */
  readonly publicJwks: () => Promise<JSONWebKeySet>;
}

/** The parameters the confirmation form carries over to its POST (§2); `logout_hint` is not used here. */
const FORWARDED = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'] as const;

/** A request this endpoint does not act on at all (§4): the page says why, for the application's developers. */
class LogoutRefused extends Error {}

interface IdTokenHint {
  readonly clientId: string;
  readonly sub: string | undefined;
}

/**
 * What the request asks for, once checked. `returnTo` is set only for a post_logout_redirect_uri registered exactly
 * for the application the request names (§3); one that is not is `declined` and never used: no open redirector.
 */
interface LogoutRequest {
  readonly hint: IdTokenHint | undefined;
  readonly client: Client | undefined;
  readonly returnTo: string | undefined;
  /** `unregistered`: not registered for the named application; `unverifiable`: no application was named (or known). */
  readonly declined: 'unregistered' | 'unverifiable' | undefined;
}

let keySet: { jwks: JSONWebKeySet; verify: ReturnType<typeof createLocalJWKSet> } | undefined;

/**
 * §2: an id_token_hint must be an ID token we issued for this issuer; an expired one is still a good hint (`exp` is
 * ignored). Access tokens (RFC 9068 `at+jwt`, audience an API) are signed by the same key: they are not ID tokens.
 */
async function checkIdTokenHint(
  raw: string | undefined,
  issuer: string,
  deps: EndSessionDeps,
): Promise<IdTokenHint | undefined> {
  if (raw === undefined) return undefined;
  // Outside the try: keys we cannot load are our failure (a 500), not a bad hint.
  const jwks = await deps.publicJwks();
  if (keySet?.jwks !== jwks) keySet = { jwks, verify: createLocalJWKSet(jwks) };
  try {
    const { payload, protectedHeader } = await jwtVerify(raw, keySet.verify, {
      issuer,
      algorithms: ['RS256'],
      currentDate: new Date(0),
      clockTolerance: Number.MAX_SAFE_INTEGER,
    });
    if (protectedHeader.typ !== undefined && protectedHeader.typ.toUpperCase() !== 'JWT') throw new Error('typ');
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    if (typeof aud !== 'string') throw new Error('aud');
    return { clientId: aud, sub: payload.sub };
  } catch {
    throw new LogoutRefused('The sign-out link carries an id_token_hint this service did not issue.');
  }
}

/** §2: with both, client_id must be the application the ID token was issued to. */
function checkClientIdMatchesHint(clientId: string | undefined, hint: IdTokenHint | undefined): void {
  if (hint && clientId !== undefined && clientId !== hint.clientId)
    throw new LogoutRefused('The sign-out link names two different applications (client_id and id_token_hint).');
}

/**
 * The application the request comes from: the hint's audience, else `client_id`. An unknown client_id names no
 * application (the user may still sign out); a verified hint for a deleted application is refused. A client_id URL
 * whose document cannot be read now (down, slow, or the tenant turned documents off) is no reason to keep the user
 * signed in: the sign-out happens, without the redirect.
 */
async function findRequestingClient(
  store: Store,
  tenant: Tenant,
  hint: IdTokenHint | undefined,
  clientId: string | undefined,
): Promise<Client | undefined> {
  const id = hint?.clientId ?? clientId;
  const client = id !== undefined ? await findClientOf(store, tenant, id) : undefined;
  if (hint && !client && !isMetadataDocumentClientId(id!))
    throw new LogoutRefused('The application named by the id_token_hint is no longer registered here.');
  return client;
}

/**
 * §3: the browser goes back only to a post_logout_redirect_uri registered exactly for the application the request
 * names (by its hint or client_id). Without one (mod_auth_openidc sends the URI alone) it cannot be verified, so it is
 * not used; the sign-out itself still happens (§2, §4). A client nobody vetted (open registration, a Client ID Metadata
 * Document) registers its own URIs, so its redirect is taken only with an id_token_hint issued to it: otherwise anyone
 * could make the tenant's sign-out link send browsers anywhere (RFC 9700 §4.11.2).
 */
function checkPostLogoutRedirectUri(
  uri: string | undefined,
  client: Client | undefined,
  hinted: boolean,
): Pick<LogoutRequest, 'returnTo' | 'declined'> {
  if (uri === undefined) return { returnTo: undefined, declined: undefined };
  if (!client) return { returnTo: undefined, declined: 'unverifiable' };
  const unvetted = client.fromMetadataDocument === true || client.registration?.via === 'open';
  if (unvetted && !hinted) return { returnTo: undefined, declined: 'unverifiable' };
  if (!client.postLogoutRedirectUris.includes(uri)) return { returnTo: undefined, declined: 'unregistered' };
  return { returnTo: uri, declined: undefined };
}

async function checkRequest(
  req: HttpRequest,
  params: Readonly<Record<string, string>>,
  tenant: Tenant,
  issuer: string,
  deps: EndSessionDeps,
): Promise<LogoutRequest> {
  if (req.repeated.length > 0) throw new LogoutRefused(`The sign-out link repeats its parameter '${req.repeated[0]}'.`);
  const hint = await checkIdTokenHint(params.id_token_hint, issuer, deps);
  checkClientIdMatchesHint(params.client_id, hint);
  const client = await findRequestingClient(deps.store, tenant, hint, params.client_id);
  return {
    hint,
    client,
    ...checkPostLogoutRedirectUri(params.post_logout_redirect_uri, client, hint !== undefined),
  };
}

/** The confirmation form's anti-CSRF value: derived from the session id, which only the browser's cookie holds. */
function confirmationToken(sid: string): string {
  return sha256(`keyway:end-session:${sid}`);
}

/** The CSP source a form POST answered with a redirect to `uri` needs: its origin, or a private-use scheme. */
function formActionSource(uri: string): string {
  const url = new URL(uri);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : url.protocol;
}

function confirmationPage(
  locale: Locale,
  tenant: Tenant,
  issuer: string,
  params: Readonly<Record<string, string>>,
  sid: string,
  request: LogoutRequest,
): HttpResponse {
  const hidden = FORWARDED.filter((n) => params[n] !== undefined)
    .map((n) => `<input type="hidden" name="${n}" value="${escapeHtml(params[n]!)}">`)
    .join('');
  const notice =
    request.declined === 'unregistered'
      ? `\n<p>${tHtml(locale, 'endSession.notAccepted')} ${tHtml(locale, 'endSession.stayHere')}</p>`
      : '';
  const tenantName = brandOf(tenant).name;
  return page(200, {
    locale,
    title: t(locale, 'endSession.title', { tenant: tenantName }),
    brand: brandOf(tenant),
    heading: t(locale, 'endSession.heading'),
    body: `<p>${tHtml(locale, 'endSession.confirm', { tenant: escapeHtml(tenantName) })}</p>${notice}
<form method="post" action="${escapeHtml(`${issuer}/end-session`)}">${hidden}<input type="hidden" name="confirm" value="yes"><input type="hidden" name="csrf" value="${confirmationToken(sid)}"><button type="submit" class="primary">${tHtml(locale, 'endSession.button')}</button></form>`,
    // The POST is answered with a redirect to the application: Chromium checks form-action on that redirect too.
    ...(request.returnTo ? { formTargets: [formActionSource(request.returnTo)] } : {}),
  });
}

/** Where the browser stays when it is not sent back: there is no application address to offer, so say what to do. */
function signedOutPage(locale: Locale, tenant: Tenant, request: LogoutRequest): HttpResponse {
  const notice = request.declined === 'unregistered' ? `\n<p>${tHtml(locale, 'endSession.notAccepted')}</p>` : '';
  return page(200, {
    locale,
    title: t(locale, 'endSession.signedOut'),
    brand: brandOf(tenant),
    heading: t(locale, 'endSession.signedOutHeading'),
    body: `<p>${tHtml(locale, 'endSession.signedOutText', { tenant: escapeHtml(brandOf(tenant).name) })}</p>${notice}
<p>${tHtml(locale, 'endSession.closeTab')}</p>`,
  });
}

/**
 * GET|POST {issuer}/end-session. A request that fails a check (§4) gets a page saying why. Otherwise: a live session
 * ends at once when a valid id_token_hint names its user; any other live session is ended only once the user confirms
 * with the CSRF-protected form (§2: the OP must ask without a hint, or with a hint for someone else — logout CSRF).
 * Then the browser goes back to the checked post_logout_redirect_uri with `state` (§3), or sees the signed-out page.
 */
export async function endSession(req: HttpRequest, tenant: Tenant, deps: EndSessionDeps): Promise<HttpResponse> {
  const params = req.method === 'POST' ? req.form : req.query;
  const issuer = issuerOf(req, tenant.id);
  // §2 ui_locales (carried over to the confirmation's POST), then Accept-Language.
  const locale = localeOf(req);
  let request: LogoutRequest;
  try {
    request = await checkRequest(req, params, tenant, issuer, deps);
  } catch (error) {
    if (!(error instanceof LogoutRefused)) throw error;
    return errorPage(
      400,
      t(locale, 'endSession.refused'),
      t(locale, 'endSession.refusedMessage'),
      req.traceId,
      brandOf(tenant),
      { locale, developerDetail: error.message },
    );
  }
  if (request.declined)
    logger.info('end-session: post_logout_redirect_uri not used', {
      tenantId: tenant.id,
      clientId: request.client?.clientId,
      reason: request.declined,
      traceId: req.traceId,
    });

  const { store } = deps;
  const sid = req.cookies[SESSION_COOKIE];
  const found = sid !== undefined ? await store.sessions.findSession(tenant.id, sid) : undefined;
  // An expired session no longer signs anyone in: nothing to ask about.
  const session = found && found.expiresAt > epochSeconds(store.clock) ? found : undefined;
  if (sid !== undefined && session) {
    const hintedThisUser = request.hint !== undefined && request.hint.sub === session.userId;
    const confirmed =
      req.method === 'POST' &&
      params.confirm === 'yes' &&
      params.csrf !== undefined &&
      safeEqual(params.csrf, confirmationToken(sid));
    if (!hintedThisUser && !confirmed) return confirmationPage(locale, tenant, issuer, params, sid, request);
    await store.sessions.endSession(tenant.id, sid, session.userId);
  }
  const cookies = [clearCookie(req, tenant.id, SESSION_COOKIE)];
  if (request.returnTo) {
    const url = new URL(request.returnTo);
    if (params.state !== undefined) url.searchParams.set('state', params.state);
    return redirect(url.toString(), { cookies });
  }
  return { ...signedOutPage(locale, tenant, request), cookies };
}
