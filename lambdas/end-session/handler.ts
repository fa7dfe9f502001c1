import { createLocalJWKSet, jwtVerify } from 'jose';
import { safeEqual, sha256 } from '../core/crypto.ts';
import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, html, redirect } from '../core/http/types.ts';
import { findTenantOf, issuerOf } from '../core/issuer.ts';
import { clearCookie, SESSION_COOKIE } from '../core/oidc/cookies.ts';
import { errorPage, escapeHtml } from '../core/oidc/error-page.ts';
import { getSigner } from '../core/signing.ts';

const PARAMS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'] as const;

/**
 * `formTarget` is where the confirmation form's POST may end up: Chromium applies `form-action` to the redirect
 * that answers the POST too, so the registered post-logout URI's origin (or private-use scheme) is allowed.
 */
function page(title: string, body: string, formTarget?: string): HttpResponse {
  const formAction = ["'self'"];
  if (formTarget) {
    const url = new URL(formTarget);
    formAction.push(url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : url.protocol);
  }
  return html(
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`,
    {
      'Content-Security-Policy': `default-src 'none'; form-action ${formAction.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    },
  );
}

/** The confirmation form's anti-CSRF value: derived from the session id, which only the browser's cookie holds. */
function confirmationToken(sid: string): string {
  return sha256(`keyway:end-session:${sid}`);
}

/**
 * GET|POST {issuer}/end-session — OpenID RP-Initiated Logout 1.0. A valid id_token_hint (an ID token with our
 * signature and issuer, issued to a client of the tenant, for the session's user; expiry ignored, §2) ends the
 * session at once; otherwise the user confirms with a form protected by an anti-CSRF value. The post-logout
 * redirect must be registered exactly for the client, else no redirect happens (no open redirector).
 */
export async function endSession(req: HttpRequest): Promise<HttpResponse> {
  const params = req.method === 'POST' ? req.form : req.query;
  const store = getStore();
  const tenant = await findTenantOf(req, store);
  if (!tenant)
    return errorPage(
      404,
      'This sign-out page does not exist',
      'Check the address, or go back to the application and sign out from there.',
      req.traceId,
    );
  // Each refusal says why (for the application's developers) and what the user can do.
  const refuse = (reason: string) =>
    errorPage(
      400,
      'You could not be signed out from here',
      `${reason} Go back to the application and sign out from there; if this keeps happening, tell its support.`,
      req.traceId,
      tenant.name,
    );
  const issuer = issuerOf(req, tenant.id);
  if (req.repeated.length > 0) return refuse(`The sign-out link repeats its parameter '${req.repeated[0]}'.`);

  let hint: { clientId: string; sub: string | undefined } | undefined;
  if (params.id_token_hint) {
    try {
      const jwks = createLocalJWKSet(await (await getSigner()).publicJwks());
      const { payload, protectedHeader } = await jwtVerify(params.id_token_hint, jwks, {
        issuer,
        algorithms: ['RS256'],
        currentDate: new Date(0), // expired hints are fine (RP-Initiated Logout §2)
        clockTolerance: Number.MAX_SAFE_INTEGER,
      });
      // Access tokens (RFC 9068 `at+jwt`, audience an API) are signed by the same key: they are not ID tokens.
      if (protectedHeader.typ !== undefined && protectedHeader.typ.toUpperCase() !== 'JWT') throw new Error('typ');
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      if (typeof aud !== 'string') throw new Error('aud');
      hint = { clientId: aud, sub: payload.sub };
    } catch {
      return refuse('The sign-out link carries an id_token_hint this service did not issue.');
    }
  }
  if (hint && params.client_id && params.client_id !== hint.clientId)
    return refuse('The sign-out link names two different applications (client_id and id_token_hint).');
  const clientId = hint?.clientId ?? params.client_id;
  const client = clientId ? await store.clients.findClient(tenant.id, clientId) : undefined;
  if (hint && !client) return refuse('The application named by the id_token_hint is no longer registered here.');
  const postLogout = params.post_logout_redirect_uri;
  if (postLogout && !client?.postLogoutRedirectUris.includes(postLogout))
    return refuse('The application asked to send you to an address it has not registered (post_logout_redirect_uri).');

  const sid = req.cookies[SESSION_COOKIE];
  const session = sid ? await store.sessions.findSession(tenant.id, sid) : undefined;
  // A hint for another user (or a stale tab) must not sign the current user out without asking (logout CSRF).
  const hintedThisUser = hint !== undefined && session !== undefined && hint.sub === session.userId;
  const confirmedByForm =
    req.method === 'POST' &&
    params.confirm === 'yes' &&
    sid !== undefined &&
    params.csrf !== undefined &&
    safeEqual(params.csrf, confirmationToken(sid));
  if (session && sid && !hintedThisUser && !confirmedByForm) {
    const hidden = PARAMS.filter((n) => params[n] !== undefined)
      .map((n) => `<input type="hidden" name="${n}" value="${escapeHtml(params[n]!)}">`)
      .join('');
    return page(
      `Sign out of ${tenant.name}`,
      `<h1>Sign out of ${escapeHtml(tenant.name)}?</h1><form method="post" action="${escapeHtml(`${issuer}/end-session`)}">${hidden}<input type="hidden" name="confirm" value="yes"><input type="hidden" name="csrf" value="${confirmationToken(sid)}"><button type="submit">Sign out</button></form>`,
      postLogout,
    );
  }
  if (session && sid) await store.sessions.endSession(tenant.id, sid, session.userId);
  const cookies = [clearCookie(req, tenant.id, SESSION_COOKIE)];
  if (postLogout) {
    const url = new URL(postLogout);
    if (params.state !== undefined) url.searchParams.set('state', params.state);
    return redirect(url.toString(), { cookies });
  }
  return { ...page('Signed out', `<h1>You are signed out of ${escapeHtml(tenant.name)}.</h1>`), cookies };
}

export const handler = createTenantHandler(endSession, { allowRepeated: true, page: true });
