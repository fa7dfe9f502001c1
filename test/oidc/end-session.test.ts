import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { launchChromium } from '../support/browser.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  authorize,
  getCode,
  REDIRECT_URI,
  redeem,
  registerClient,
  setupTenant,
  signedInUser,
} from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

/** OpenID Connect RP-Initiated Logout 1.0 at {issuer}/end-session, against the real local server. */
let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
const { challenge } = pkcePair();
/** Registered for ctx.client by the test fixture. */
const REGISTERED = 'https://app.example.com/bye';

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
});
afterAll(async () => keyway?.stop());

const authorizeParams = () => ({
  response_type: 'code',
  client_id: ctx.client.client_id,
  redirect_uri: REDIRECT_URI,
  scope: 'openid email',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  state: 'xyz',
});

function endSessionUrl(params: Record<string, string> = {}): string {
  return `${keyway.url}/${ctx.tenantId}/end-session?${new URLSearchParams(params)}`;
}

async function get(params: Record<string, string>, cookie?: string) {
  const res = await fetch(endSessionUrl(params), { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { res, html: await res.text() };
}

/** The confirmation form's fields, as the browser would submit them (values HTML-unescaped). */
function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[name!] = value!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  return fields;
}

/** Submits the confirmation form of `html` as the user pressing "Sign out". */
async function confirm(html: string, cookie: string) {
  const res = await fetch(`${keyway.url}/${ctx.tenantId}/end-session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(formFields(html)).toString(),
  });
  return { res, html: await res.text() };
}

const sidOf = (cookie: string) => cookie.slice(`${SESSION_COOKIE}=`.length);

/** The session is gone: its item is deleted and its cookie no longer signs in (authorize asks to sign in). */
async function expectSignedOut(cookie: string) {
  expect(await keyway.store.sessions.findSession(ctx.tenantId, sidOf(cookie))).toBeUndefined();
  const after = await authorize(keyway, ctx.tenantId, authorizeParams(), cookie);
  expect(after.location?.pathname).toBe(`/${ctx.tenantId}/login`);
}

async function expectStillSignedIn(cookie: string) {
  const still = await authorize(keyway, ctx.tenantId, authorizeParams(), cookie);
  expect(still.location?.searchParams.get('code')).toBeTruthy();
}

async function idTokenFor(cookie: string): Promise<Record<string, unknown>> {
  const { code, verifier } = await getCode(keyway, ctx, cookie);
  return (await redeem(keyway, ctx, code, verifier)).body;
}

describe('end_session (RP-Initiated Logout 1.0)', () => {
  it('§2, §3: with a valid id_token_hint, ends the session at once and redirects to the registered URI with state', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const tokens = await idTokenFor(u.cookie);
    const { res } = await get(
      { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: REGISTERED, state: 's1' },
      u.cookie,
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${REGISTERED}?state=s1`);
    expect(res.headers.get('set-cookie')).toMatch(/kw_session=;.*Max-Age=0/);
    await expectSignedOut(u.cookie);
  });

  it('§2: with only post_logout_redirect_uri (no client_id, no hint, as mod_auth_openidc sends) asks, signs out, stays', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const asked = await get({ post_logout_redirect_uri: REGISTERED, state: 's-unused' }, u.cookie);
    expect(asked.res.status).toBe(200);
    expect(asked.html).toContain('<form method="post"');
    // The shared page shell, branded with the tenant.
    expect(asked.html).toContain(`<p class="brand">Tenant ${ctx.tenantId}</p>`);
    expect(asked.html).toMatch(/<style nonce="[^"]+">/);
    // No redirect can follow the POST: form-action stays 'self'.
    expect(asked.res.headers.get('content-security-policy')).toContain("form-action 'self';");
    await expectStillSignedIn(u.cookie);

    const done = await confirm(asked.html, u.cookie);
    expect(done.res.status).toBe(200);
    expect(done.res.headers.get('location')).toBeNull();
    expect(done.res.headers.get('set-cookie')).toMatch(/kw_session=;.*Max-Age=0/);
    expect(done.html).toContain('You are signed out');
    expect(done.html).toContain('You can close this tab, or go back to the application.');
    expect(done.html).not.toContain('s-unused'); // state goes back only with a redirect
    await expectSignedOut(u.cookie);
  });

  it('§3: with client_id and a registered post_logout_redirect_uri, redirects with state once the user confirms', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const asked = await get(
      { client_id: ctx.client.client_id, post_logout_redirect_uri: REGISTERED, state: 's2' },
      u.cookie,
    );
    expect(asked.res.status).toBe(200);
    // The confirmation POST ends in a redirect to the registered URI: CSP form-action allows its origin.
    expect(asked.res.headers.get('content-security-policy')).toContain("form-action 'self' https://app.example.com;");
    const done = await confirm(asked.html, u.cookie);
    expect(done.res.status).toBe(302);
    expect(done.res.headers.get('location')).toBe(`${REGISTERED}?state=s2`);
    await expectSignedOut(u.cookie);
  });

  it('§3: never redirects to a post_logout_redirect_uri the client has not registered; the user may still sign out', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const params = { client_id: ctx.client.client_id, post_logout_redirect_uri: 'https://evil.example/', state: 's3' };
    const asked = await get(params, u.cookie);
    expect(asked.res.status).toBe(200);
    expect(asked.res.headers.get('location')).toBeNull();
    expect(asked.html).toContain("The application's return address was not accepted.");
    expect(asked.res.headers.get('content-security-policy')).not.toContain('evil.example');
    const done = await confirm(asked.html, u.cookie);
    expect(done.res.status).toBe(200);
    expect(done.res.headers.get('location')).toBeNull();
    expect(done.html).toContain("The application's return address was not accepted.");
    await expectSignedOut(u.cookie);
    // Without a session: the signed-out page, still no redirect.
    const anonymous = await get(params);
    expect(anonymous.res.status).toBe(200);
    expect(anonymous.res.headers.get('location')).toBeNull();
  });

  it('§3: an unknown client_id names no application: no redirect, the signed-out page', async () => {
    const { res, html } = await get({ client_id: 'no-such-client', post_logout_redirect_uri: REGISTERED });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(html).toContain('You are signed out');
  });

  it('§2: without a session there is nothing to confirm: the signed-out page, or the verified redirect', async () => {
    for (const params of [{}, { post_logout_redirect_uri: REGISTERED, state: 's4' }] as Record<string, string>[]) {
      const { res, html } = await get(params);
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(html).toContain('You are signed out');
      expect(html).not.toContain('<form');
    }
    const { res } = await get({ client_id: ctx.client.client_id, post_logout_redirect_uri: REGISTERED, state: 's5' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${REGISTERED}?state=s5`);
  });

  it('§2: without id_token_hint asks the user to confirm; a POST without the anti-CSRF value is asked again', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const asked = await get({}, u.cookie);
    expect(asked.res.status).toBe(200);
    expect(asked.html).toContain('<form method="post"');
    await expectStillSignedIn(u.cookie);
    const forged = await fetch(`${keyway.url}/${ctx.tenantId}/end-session`, {
      method: 'POST',
      headers: { cookie: u.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });
    expect(await forged.text()).toContain('<form method="post"'); // no anti-CSRF value: asked again
    await expectStillSignedIn(u.cookie);
    const done = await confirm(asked.html, u.cookie);
    expect(done.res.status).toBe(200);
    await expectSignedOut(u.cookie);
  });

  it("§2: asks for confirmation when the id_token_hint names another user than the session's (logout CSRF)", async () => {
    const other = await signedInUser(keyway, ctx.tenantId);
    const tokens = await idTokenFor(other.cookie);
    const victim = await signedInUser(keyway, ctx.tenantId);
    const { res, html } = await get(
      { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: REGISTERED },
      victim.cookie,
    );
    expect(res.status).toBe(200);
    expect(html).toContain('<form method="post"');
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self' https://app.example.com;");
    await expectStillSignedIn(victim.cookie);
  });

  it('§4: refuses an access token as id_token_hint (RFC 9068 at+jwt is not an ID token)', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const tokens = await idTokenFor(u.cookie);
    const { res } = await get({ id_token_hint: tokens.access_token as string }, u.cookie);
    expect(res.status).toBe(400);
    await expectStillSignedIn(u.cookie);
  });

  it('§2: refuses a client_id that is not the audience of the id_token_hint', async () => {
    const u = await signedInUser(keyway, ctx.tenantId);
    const tokens = await idTokenFor(u.cookie);
    const { res } = await get({ id_token_hint: tokens.id_token as string, client_id: 'another-client' }, u.cookie);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    await expectStillSignedIn(u.cookie);
  });
});

describe('end_session in Chromium', () => {
  let browser: Browser;
  let rp: Server;
  let rpUrl: string;
  beforeAll(async () => {
    rp = createServer((_req, res) => res.end('relying party'));
    await new Promise<void>((r) => rp.listen(0, '127.0.0.1', r));
    rpUrl = `http://127.0.0.1:${(rp.address() as { port: number }).port}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rp?.close();
  });

  async function signedInPage() {
    const u = await signedInUser(keyway, ctx.tenantId);
    const context = await browser.newContext();
    await context.addCookies([
      { name: SESSION_COOKIE, value: sidOf(u.cookie), domain: 'localhost', path: `/${ctx.tenantId}` },
    ]);
    return { u, context, page: await context.newPage() };
  }

  it('§3: the confirmation POST is answered with a redirect to the registered URI, which CSP form-action allows', async () => {
    const client = await registerClient(keyway, ctx.tenantId, { post_logout_redirect_uris: [`${rpUrl}/signed-out`] });
    const { u, context, page } = await signedInPage();
    const query = new URLSearchParams({
      client_id: client.client_id,
      post_logout_redirect_uri: `${rpUrl}/signed-out`,
      state: 'bye',
    });
    await page.goto(`${keyway.baseUrl}/${ctx.tenantId}/end-session?${query}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${rpUrl}/signed-out?state=bye`);
    await expectSignedOut(u.cookie);
    await context.close();
  });

  it('§2: with only post_logout_redirect_uri, the user confirms and stays on the signed-out page', async () => {
    const { u, context, page } = await signedInPage();
    const query = new URLSearchParams({ post_logout_redirect_uri: `${rpUrl}/signed-out` });
    await page.goto(`${keyway.baseUrl}/${ctx.tenantId}/end-session?${query}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`^${keyway.baseUrl}/`));
    await expectSignedOut(u.cookie);
    await context.close();
  });
});
