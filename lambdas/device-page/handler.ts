import { brandOf } from '../core/branding.ts';
import { randomToken, safeEqual, sha256 } from '../core/crypto.ts';
import { getStore } from '../core/deps.ts';
import { sentFromAnotherSite } from '../core/http/form-origin.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, redirect } from '../core/http/types.ts';
import { type Locale, localeOf } from '../core/i18n/locales.ts';
import { t } from '../core/i18n/messages.ts';
import { issuerOf } from '../core/issuer.ts';
import { BROWSER_COOKIE, serializeCookie } from '../core/oidc/cookies.ts';
import { liveSession } from '../core/oidc/sign-in.ts';
import { pageTenant } from '../core/passkeys/interaction-page.ts';
import { renderDevicePage, renderErrorPage, renderPageError } from '../core/passkeys/pages.ts';
import { type DeviceAuthorization, normalizeUserCode } from '../core/store/devices.ts';
import type { Store } from '../core/store/store.ts';
import type { Tenant } from '../core/store/tenants.ts';

/**
 * The answer form's anti-CSRF token: derived from the session id, which only this browser holds (the page is served
 * with `Referrer-Policy: no-referrer`, so browsers send `Origin: null` with the form and Origin cannot decide).
 */
function csrfToken(sid: string): string {
  return sha256(`keyway:device:${sid}`);
}

/** The signed-in user of this browser, with the answer form's token for its session. */
async function signedInUser(req: HttpRequest, store: Store, tenant: Tenant) {
  const live = await liveSession(req, store, tenant);
  return live ? { ...live, csrf: csrfToken(live.sid) } : undefined;
}

async function pendingDevice(store: Store, tenant: Tenant, raw: string | undefined) {
  const userCode = raw !== undefined ? normalizeUserCode(raw) : undefined;
  const device: DeviceAuthorization | undefined = userCode
    ? await store.devices.findByUserCode(tenant.id, userCode)
    : undefined;
  return device?.status === 'pending' ? device : undefined;
}

/**
 * GET|POST {issuer}/device — RFC 8628 §3.3, the page a user opens on a phone or laptop. GET without a code asks for
 * it (case- and dash-insensitive); with a code, an unsigned-in browser is sent through the passkey sign-in first and
 * comes back here; signed in, it asks the user to allow or deny, naming the application and its scopes. POST records
 * the answer (conditionally: once, while the request is pending). Code entry is limited per source address by the
 * plan (`perSource` for `device-page`, see docs/CAPACITY.md).
 */
export async function devicePage(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const locale = localeOf(req);
  const found = await pageTenant(req, store, locale);
  if ('page' in found) return found.page;
  const { tenant } = found;
  const issuer = issuerOf(req, tenant.id);
  const invalidCode = t(locale, 'device.invalidCode');
  try {
    if (req.method === 'POST') return await decide(req, store, tenant, issuer, locale);
    const raw = req.query.user_code;
    if (raw === undefined || req.repeated.length > 0)
      return renderDevicePage(issuer, tenant, { step: 'enter' }, locale);
    const device = await pendingDevice(store, tenant, raw);
    const client = device ? await store.clients.findClient(tenant.id, device.clientId) : undefined;
    if (!device || !client)
      return renderDevicePage(
        issuer,
        tenant,
        { step: 'enter', value: raw.slice(0, 12), error: invalidCode },
        locale,
        400,
      );
    const current = await signedInUser(req, store, tenant);
    if (!current) {
      const browser = req.cookies[BROWSER_COOKIE] ?? randomToken();
      const interaction = await store.interactions.createInteraction({
        tenantId: tenant.id,
        clientId: client.clientId,
        redirectUri: `${issuer}/device`,
        codeChallenge: '',
        scope: device.scope,
        deviceUserCode: device.userCode,
        // The sign-in page this leads to speaks the device page's language.
        uiLocales: locale,
        browserHash: sha256(browser),
      });
      return redirect(`${issuer}/login?interaction=${encodeURIComponent(interaction.id)}`, {
        cookies: [serializeCookie(req, tenant.id, BROWSER_COOKIE, browser, 24 * 3600)],
      });
    }
    return renderDevicePage(
      issuer,
      tenant,
      {
        step: 'confirm',
        userCode: device.userCode,
        clientName: client.clientName,
        scope: device.scope,
        email: current.user.email,
        csrf: current.csrf,
      },
      locale,
    );
  } catch (error) {
    return renderPageError(error, req.traceId, locale, brandOf(tenant));
  }
}

async function decide(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  issuer: string,
  locale: Locale,
): Promise<HttpResponse> {
  const invalidCode = t(locale, 'device.invalidCode');
  const decision = req.form.decision;
  const device = await pendingDevice(store, tenant, req.form.user_code);
  if (!device || (decision !== 'approve' && decision !== 'deny'))
    return renderDevicePage(issuer, tenant, { step: 'enter', error: invalidCode }, locale, 400);
  const current = await signedInUser(req, store, tenant);
  if (!current)
    return renderErrorPage(
      401,
      t(locale, 'device.signInAgain'),
      t(locale, 'device.sessionEnded'),
      req.traceId,
      brandOf(tenant),
      { locale },
    );
  // Only the page this browser was shown can answer: a form posted from another site lacks the session-bound token.
  const foreign = sentFromAnotherSite(req, issuer);
  if (foreign || !safeEqual(req.form.csrf ?? '', current.csrf))
    return renderErrorPage(
      403,
      t(locale, 'error.answerRefused'),
      t(locale, 'device.answerAgain'),
      req.traceId,
      brandOf(tenant),
      { locale },
    );
  const approve = decision === 'approve';
  const recorded = await store.devices.decide(
    device,
    approve
      ? { approve: true, userId: current.user.userId, authTime: current.session.authTime, amr: current.session.amr }
      : { approve: false },
  );
  if (!recorded) return renderDevicePage(issuer, tenant, { step: 'enter', error: invalidCode }, locale, 409);
  return renderDevicePage(issuer, tenant, { step: 'done', approved: approve }, locale);
}

export const handler = createTenantHandler(devicePage, { allowRepeated: true, page: true });
