import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentNeeded, consentPolicy, scopesInWords } from '../../lambdas/core/oidc/consent.ts';
import type { Consent } from '../../lambdas/core/store/consents.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { authenticatorFor, type PendingSignIn, postPage, proveEmail, registerPasskey } from '../passkeys/fixtures.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  answerConsentPage,
  authorize,
  cookiesOf,
  REDIRECT_URI,
  redeem,
  registerClient,
  setupTenant,
  type TestClient,
} from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';
import type { SoftAuthenticator } from '../support/soft-authenticator.ts';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
/** A client of someone else than the tenant: every sign-in asks until the user allowed its scopes. */
let partner: TestClient;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  partner = await registerClient(keyway, ctx.tenantId, { client_name: 'Partner app', first_party: false });
});
afterAll(async () => keyway?.stop());

const tenant = () => ({ id: ctx.tenantId }) as Tenant;
const unique = () => `u-${Math.random().toString(36).slice(2)}@example.com`;

function params(client: TestClient, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  return {
    verifier,
    query: {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
      ...extra,
    },
  };
}

/** authorize without a session: the interaction the hosted pages work on, and the browser-binding cookie. */
async function startSignIn(query: Record<string, string>): Promise<PendingSignIn> {
  const { res, location } = await authorize(keyway, ctx.tenantId, query);
  expect(location?.pathname).toMatch(/\/(login|signup)$/);
  const interaction = await keyway.store.interactions.findInteraction(
    ctx.tenantId,
    location!.searchParams.get('interaction')!,
  );
  return { interaction: interaction!, cookie: cookiesOf(res) };
}

/** Where the verify endpoint sends the browser, with the cookies it then has (binding + new session). */
async function finished(pending: PendingSignIn, verify: { res: Response; body: Record<string, unknown> }) {
  expect(verify.res.status, JSON.stringify(verify.body)).toBe(200);
  return {
    redirectTo: new URL(verify.body.redirectTo as string),
    cookie: `${pending.cookie}; ${cookiesOf(verify.res)}`,
  };
}

/** A newcomer signs up (emailed code, new passkey) in the sign-in `query` started. */
async function signUp(query: Record<string, string>, authenticator: SoftAuthenticator) {
  const pending = await startSignIn(query);
  const flowId = await proveEmail(keyway, tenant(), pending, {
    purpose: 'signup',
    email: unique(),
    givenName: 'Ada',
    familyName: 'Lovelace',
  });
  return finished(pending, await registerPasskey(keyway, tenant(), authenticator, pending, { flowId }));
}

/** A returning user signs in with the passkey `authenticator` holds. */
async function signIn(query: Record<string, string>, authenticator: SoftAuthenticator) {
  const pending = await startSignIn({ ...query, prompt: 'login' });
  const options = await postPage(keyway, tenant(), '/passkeys/authentication/options', pending, {});
  const verify = await postPage(keyway, tenant(), '/passkeys/authentication/verify', pending, {
    challengeId: options.body.challengeId,
    response: authenticator.get(options.body.options as PublicKeyCredentialRequestOptionsJSON),
  });
  return finished(pending, verify);
}

const isConsentPage = (url: URL | undefined) => url?.pathname === `/${ctx.tenantId}/consent`;

/** Records the sort key of every item the server reads or writes while `act` runs. */
async function keysTouched(act: () => Promise<void>): Promise<string[]> {
  const doc = keyway.store.table.doc;
  const send = doc.send.bind(doc);
  const seen: string[] = [];
  doc.send = ((command: { input: { Key?: { sk?: string } } }, ...rest: unknown[]) => {
    if (command.input.Key?.sk) seen.push(command.input.Key.sk);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof doc.send;
  try {
    await act();
  } finally {
    doc.send = send;
  }
  return seen;
}

describe('consent (OIDC Core §3.1.2.4)', () => {
  it('decides without a read for first-party clients, and in plain words', () => {
    const stored = (scopes: string[]) => ({ scopes }) as unknown as Consent;
    expect(consentPolicy({}, 'openid email', {})).toBeUndefined();
    expect(consentPolicy({ firstParty: true }, 'openid email', {})).toBeUndefined();
    expect(consentPolicy({ firstParty: false }, 'openid', {})).toBe('unless-granted');
    expect(consentPolicy({}, 'openid offline_access', {})).toBe('unless-granted');
    expect(consentPolicy({}, 'openid', { consent: true })).toBe('always');
    expect(consentNeeded(undefined, 'openid', undefined)).toBe(false);
    expect(consentNeeded('unless-granted', 'openid email', undefined)).toBe(true);
    expect(consentNeeded('unless-granted', 'openid email', stored(['email', 'openid', 'profile']))).toBe(false);
    expect(consentNeeded('unless-granted', 'openid email', stored(['openid']))).toBe(true);
    expect(consentNeeded('always', 'openid', stored(['openid']))).toBe(true);
    expect(scopesInWords('openid email offline_access invoices:read constructor')).toEqual([
      'Confirm who you are',
      'Your email address',
      'Stay signed in: keep access when you are not using the app',
      'invoices:read',
      'constructor',
    ]);
  });

  it('§3.1.2.4: a third-party client shows the consent page after sign-up; Allow issues the code (303)', async () => {
    const { query, verifier } = params(partner);
    const { redirectTo, cookie } = await signUp(query, authenticatorFor(keyway));
    expect(isConsentPage(redirectTo)).toBe(true);

    const answer = await answerConsentPage(keyway, redirectTo, cookie);
    expect(answer.page).toContain(`Partner app wants to use your Tenant ${ctx.tenantId} account`);
    for (const words of ['Confirm who you are', 'Your name', 'Your email address'])
      expect(answer.page).toContain(`<li>${words}</li>`);
    expect(answer.page).toContain('You will be sent to <strong>app.example.com</strong>');
    expect(answer.page).toMatch(/<button[^>]*value="allow">Allow<\/button>/);
    expect(answer.page).toMatch(/<button[^>]*value="deny">Deny<\/button>/);
    expect(answer.res.status).toBe(303);
    expect(answer.location?.origin + answer.location!.pathname).toBe(REDIRECT_URI);
    expect(answer.location?.searchParams.get('state')).toBe('st-1');
    expect(answer.location?.searchParams.get('iss')).toBe(ctx.issuer);
    const { res, body } = await redeem(
      keyway,
      { tenantId: ctx.tenantId, client: partner },
      answer.location!.searchParams.get('code')!,
      verifier,
    );
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.scope).toBe('openid profile email');
  });

  it('a first-party client without offline_access issues the code at once, reading no consent', async () => {
    const authenticator = authenticatorFor(keyway);
    let cookie = '';
    const touched = await keysTouched(async () => {
      const signedUp = await signUp(params(ctx.client).query, authenticator);
      expect(signedUp.redirectTo.searchParams.get('code')).toBeTruthy();
      const again = await signIn(params(ctx.client).query, authenticator);
      expect(again.redirectTo.searchParams.get('code')).toBeTruthy();
      cookie = again.cookie;
      // Single sign-on too.
      const sso = await authorize(keyway, ctx.tenantId, params(ctx.client).query, cookie);
      expect(sso.location?.searchParams.get('code')).toBeTruthy();
    });
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.filter((sk) => sk.startsWith('CONSENT#'))).toEqual([]);
  });

  it('§11: offline_access on a first-party client asks once, then is remembered; prompt=consent asks again', async () => {
    const authenticator = authenticatorFor(keyway);
    const offline = { scope: 'openid email offline_access' };
    const first = await signUp(params(ctx.client, offline).query, authenticator);
    expect(isConsentPage(first.redirectTo)).toBe(true);
    const allowed = await answerConsentPage(keyway, first.redirectTo, first.cookie);
    expect(allowed.page).toContain('<li>Stay signed in: keep access when you are not using the app</li>');
    // A first-party client: no "sent to" line.
    expect(allowed.page).not.toContain('You will be sent to');
    expect(allowed.location?.searchParams.get('code')).toBeTruthy();

    // Remembered: a new passkey sign-in and single sign-on both go straight back with a code.
    const again = await signIn(params(ctx.client, offline).query, authenticator);
    expect(again.redirectTo.searchParams.get('code')).toBeTruthy();
    const sso = await authorize(keyway, ctx.tenantId, params(ctx.client, offline).query, again.cookie);
    expect(sso.location?.searchParams.get('code')).toBeTruthy();

    // OIDC Core §3.1.2.1 prompt=consent: asked again, whatever was allowed (here through single sign-on).
    const forced = await authorize(
      keyway,
      ctx.tenantId,
      params(ctx.client, { ...offline, prompt: 'consent' }).query,
      again.cookie,
    );
    expect(isConsentPage(forced.location)).toBe(true);
    const answer = await answerConsentPage(keyway, forced.location!, `${again.cookie}; ${cookiesOf(forced.res)}`);
    expect(answer.location?.searchParams.get('code')).toBeTruthy();
  });

  it('a new scope asks again, and its Allow adds to what was allowed (single sign-on asks too)', async () => {
    const { cookie } = await signUp(params(ctx.client).query, authenticatorFor(keyway));
    const ask = async (scope: string) => {
      const { res, location } = await authorize(keyway, ctx.tenantId, params(partner, { scope }).query, cookie);
      return { location, cookie: `${cookie}; ${cookiesOf(res)}` };
    };
    const openid = await ask('openid');
    expect(isConsentPage(openid.location)).toBe(true);
    expect(
      (await answerConsentPage(keyway, openid.location!, openid.cookie)).location?.searchParams.get('code'),
    ).toBeTruthy();
    expect((await ask('openid')).location?.searchParams.get('code')).toBeTruthy();

    const wider = await ask('openid email');
    expect(isConsentPage(wider.location)).toBe(true);
    const answer = await answerConsentPage(keyway, wider.location!, wider.cookie);
    expect(answer.page).toContain('<li>Your email address</li>');
    expect(answer.location?.searchParams.get('code')).toBeTruthy();
    expect((await ask('email openid')).location?.searchParams.get('code')).toBeTruthy();
    const [consent] = await keyway.store.consents.list(ctx.tenantId, (await userOf(cookie))!);
    expect(consent).toMatchObject({ clientId: partner.client_id, scopes: ['email', 'openid'] });
  });

  it('RFC 6749 §4.1.2.1: Deny answers access_denied with state and iss, and ends the request', async () => {
    const { redirectTo, cookie } = await signUp(params(partner).query, authenticatorFor(keyway));
    const denied = await answerConsentPage(keyway, redirectTo, cookie, 'deny');
    expect(denied.res.status).toBe(303);
    expect(denied.location?.origin + denied.location!.pathname).toBe(REDIRECT_URI);
    expect(denied.location?.searchParams.get('error')).toBe('access_denied');
    expect(denied.location?.searchParams.get('state')).toBe('st-1');
    expect(denied.location?.searchParams.get('iss')).toBe(ctx.issuer);
    expect(denied.location?.searchParams.get('code')).toBeNull();
    const interaction = redirectTo.searchParams.get('interaction')!;
    expect(await keyway.store.interactions.findInteraction(ctx.tenantId, interaction)).toBeUndefined();
    // Nothing was remembered: the next request asks again.
    const next = await authorize(keyway, ctx.tenantId, params(partner).query, cookie);
    expect(isConsentPage(next.location)).toBe(true);
  });

  it('a replayed answer is the error page, never a second code; another browser and a foreign form are refused', async () => {
    const { redirectTo, cookie } = await signUp(params(partner).query, authenticatorFor(keyway));
    const page = await fetch(redirectTo, { headers: { cookie } });
    const html = await page.text();
    const form = {
      interaction: redirectTo.searchParams.get('interaction')!,
      csrf: /name="csrf" value="([^"]*)"/.exec(html)![1]!,
      decision: 'allow',
    };
    const post = (headers: Record<string, string>, body = form) =>
      fetch(new URL(redirectTo.pathname, keyway.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body),
      });
    const expectErrorPage = async (res: Response, status: number) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toMatch(/Reference: /);
    };

    // Another browser (no binding cookie of this sign-in): refused, to look at and to answer.
    const stranger = 'kw_browser=someone-else';
    await expectErrorPage(await fetch(redirectTo, { redirect: 'manual', headers: { cookie: stranger } }), 403);
    await expectErrorPage(await post({ cookie: stranger }), 403);
    // A form from another site, or without this page's token.
    await expectErrorPage(await post({ cookie, Origin: 'https://evil.example' }), 403);
    await expectErrorPage(await post({ cookie }, { ...form, csrf: 'forged' }), 403);
    await expectErrorPage(await post({ cookie }, { ...form, decision: 'maybe' }), 400);

    const allowed = await post({ cookie, Origin: 'null' });
    expect(allowed.status).toBe(303);
    expect(new URL(allowed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    await expectErrorPage(await post({ cookie }), 400);
    await expectErrorPage(await post({ cookie }, { ...form, decision: 'deny' }), 400);
  });

  it('a sign-in that has not reached the question cannot be answered', async () => {
    const pending = await startSignIn(params(partner).query);
    const url = `${keyway.url}/${ctx.tenantId}/consent?interaction=${pending.interaction.id}`;
    const res = await fetch(url, { headers: { cookie: pending.cookie } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('has not reached the question of access');
  });

  it('OIDC Core §3.1.2.6: prompt=none where the page is needed answers consent_required', async () => {
    const { cookie } = await signUp(params(ctx.client).query, authenticatorFor(keyway));
    const { location } = await authorize(keyway, ctx.tenantId, params(partner, { prompt: 'none' }).query, cookie);
    expect(location?.searchParams.get('error')).toBe('consent_required');
    expect(location?.searchParams.get('state')).toBe('st-1');
    expect(location?.searchParams.get('iss')).toBe(ctx.issuer);
  });

  it('OIDC Core §3.1.2.1 select_account: Continue leads to the page where the client must ask', async () => {
    const { cookie } = await signUp(params(ctx.client).query, authenticatorFor(keyway));
    const choice = await authorize(keyway, ctx.tenantId, params(partner, { prompt: 'select_account' }).query, cookie);
    const html = await choice.res.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;
    const both = `${cookie}; ${cookiesOf(choice.res)}`;
    const continued = await fetch(`${keyway.url}/${ctx.tenantId}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: both, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        interaction: field('interaction'),
        csrf: field('csrf'),
        account: field('account'),
        continue: '1',
      }),
    });
    const consent = new URL(continued.headers.get('location')!);
    expect(isConsentPage(consent)).toBe(true);
    expect((await answerConsentPage(keyway, consent, both)).location?.searchParams.get('code')).toBeTruthy();
  });
});

/** The user of a session cookie. */
async function userOf(cookie: string): Promise<string | undefined> {
  const sid = /kw_session=([^;]+)/.exec(cookie)?.[1];
  return sid ? (await keyway.store.sessions.findSession(ctx.tenantId, sid))?.userId : undefined;
}
