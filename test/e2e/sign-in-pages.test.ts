import type { Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { signUpOnPage } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';
import { authorizationRequest, discover, startRelyingParty } from '../support/relying-party.ts';

/**
 * The hosted sign-in page as a person meets it in Chromium (virtual platform authenticator): what it shows when
 * something fails, and the account choice of `prompt=select_account`.
 */
let keyway: LocalKeyway;
let browser: Browser;
let rp: Server;
let rpUrl: string;
let config: oidc.Configuration;
const TENANT = 'e2e-pages';
const OTHER = 'e2e-pages-other';

beforeAll(async () => {
  keyway = await startTestKeyway();
  ({ server: rp, url: rpUrl } = await startRelyingParty());
  for (const [id, name] of [
    [TENANT, 'Pages Corp'],
    [OTHER, 'Other Corp'],
  ]) {
    const { res } = await createTenant(keyway, { name, plan: 'free', id });
    expect(res.status).toBe(201);
  }
  const client = await registerClient(keyway, TENANT, { redirect_uris: [`${rpUrl}/callback`] });
  config = await discover(keyway, TENANT, client);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rp?.close();
  await keyway?.stop();
});

function startSignIn(extra: Record<string, string> = {}, at = config) {
  return authorizationRequest(at, `${rpUrl}/callback`, 'openid email', extra);
}

/** The button path only: no passkey autofill in this page (as in a browser without conditional mediation). */
async function withoutAutofill(page: Page) {
  await page.addInitScript(() => {
    window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

/** Records the page's WebAuthn Signal API calls (and still makes them). */
async function recordSignals(page: Page) {
  await page.addInitScript(() => {
    const calls: unknown[] = [];
    (window as unknown as { signals: unknown[] }).signals = calls;
    const PKC = window.PublicKeyCredential as unknown as Record<string, (o: unknown) => Promise<void>>;
    const original = PKC.signalUnknownCredential;
    if (typeof original !== 'function') return;
    PKC.signalUnknownCredential = (options: unknown) => {
      calls.push(options);
      return original.call(PKC, options);
    };
  });
}
const signals = (page: Page) => page.evaluate(() => (window as unknown as { signals: unknown[] }).signals);

/** A new account with its passkey in this context's authenticator, through the sign-up page. */
async function signedUp(page: Page, email: string) {
  const signup = await startSignIn({ prompt: 'create' });
  await page.goto(signup.url.href);
  await signUpOnPage(page, keyway, { email, givenName: 'Ada', familyName: 'Lovelace' });
  await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), signup.checks);
  return tokens.claims()!.sub;
}

const alertText = (page: Page) => page.locator('#alert').textContent();

describe('the sign-in page when something fails', () => {
  let context: BrowserContext;
  afterAll(async () => context?.close());

  it('a background autofill request whose options call fails shows no alert; the button still works', async () => {
    // Prepare: the first options call (the conditional request's, at page load) fails once.
    context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    let failed!: () => void;
    const optionsFailed = new Promise<void>((resolve) => {
      failed = resolve;
    });
    await page.route(
      '**/passkeys/authentication/options',
      async (route) => {
        await route.fulfill({
          status: 500,
          contentType: 'application/problem+json',
          body: JSON.stringify({ code: 'server_error', detail: 'An unexpected error occurred.' }),
        });
        failed();
      },
      { times: 1 },
    );
    const signIn = await startSignIn();
    // Act
    await page.goto(signIn.url.href);
    await optionsFailed;
    await page.waitForTimeout(500);
    // Assess: nothing the user did failed, so nothing is shown and nothing is busy.
    expect(await alertText(page)).toBe('');
    expect(await page.locator('#status').textContent()).toBe('');
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isEnabled()).resolves.toBe(true);
    await context.close();
  }, 60_000);

  it('a conditional request the browser refuses (NotAllowedError, AbortError) shows no alert', async () => {
    for (const name of ['NotAllowedError', 'AbortError']) {
      // Prepare: the browser rejects the conditional request itself.
      context = await browser.newContext();
      const { page } = await pageWithPasskeys(context);
      await page.addInitScript((errorName) => {
        const get = navigator.credentials.get.bind(navigator.credentials);
        const w = window as unknown as { refused: number };
        w.refused = 0;
        navigator.credentials.get = (options?: CredentialRequestOptions) => {
          if (options?.mediation !== 'conditional') return get(options);
          w.refused += 1;
          return Promise.reject(new DOMException('refused', errorName));
        };
      }, name);
      // Act
      await page.goto((await startSignIn()).url.href);
      await page.waitForFunction(() => (window as unknown as { refused: number }).refused > 0);
      await page.waitForTimeout(300);
      // Assess
      expect(await alertText(page), name).toBe('');
      await context.close();
    }
  }, 60_000);

  it('a cancelled or timed-out button sign-in says so, with the way to another device or recovery', async () => {
    // Prepare: an authenticator without any passkey; the request times out after a second instead of minutes.
    context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    await withoutAutofill(page);
    await page.route('**/passkeys/authentication/options', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.options.timeout = 1000;
      await route.fulfill({ response, json: body });
    });
    const signIn = await startSignIn();
    await page.goto(signIn.url.href);
    // Act
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Assess: Chromium answers NotAllowedError whether the person cancelled or the device has no passkey here.
    await expect(page.getByRole('alert').textContent({ timeout: 20_000 })).resolves.toMatch(/\S/);
    expect(await alertText(page)).toBe(
      'Cancelled or timed out — try again when you are ready. No passkey for this site on this device? Use another device, or recover your account.',
    );
    const link = page.getByRole('link', { name: 'recover your account', exact: true });
    const interaction = new URL(page.url()).searchParams.get('interaction');
    expect(await link.getAttribute('href')).toBe(`${keyway.baseUrl}/${TENANT}/recover?interaction=${interaction}`);
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isEnabled()).resolves.toBe(true);
    await context.close();
  }, 60_000);

  it('a passkey removed from the account: "no passkey … any more", the recovery link, and the browser is told to forget it', async () => {
    // Prepare: an account whose only passkey is then removed by an administrator.
    context = await browser.newContext();
    const { page, credentials } = await pageWithPasskeys(context);
    const sub = await signedUp(page, 'removed@example.com');
    const [passkey] = await keyway.store.users.listPasskeys(TENANT, sub);
    const removed = await admin(
      keyway,
      'DELETE',
      `/admin/tenants/${TENANT}/users/${sub}/passkeys/${passkey!.credentialId}`,
    );
    expect(removed.res.status).toBe(200);
    await withoutAutofill(page);
    await recordSignals(page);
    const signIn = await startSignIn({ prompt: 'login' });
    await page.goto(signIn.url.href);
    // Act
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Assess
    await expect(page.getByRole('alert').textContent({ timeout: 20_000 })).resolves.toMatch(/\S/);
    expect(await alertText(page)).toBe(
      'There is no passkey for this site on this device any more: it was removed from your account. Use another device, or recover your account.',
    );
    const interaction = new URL(page.url()).searchParams.get('interaction');
    expect(await page.getByRole('alert').getByRole('link', { name: 'recover your account' }).getAttribute('href')).toBe(
      `${keyway.baseUrl}/${TENANT}/recover?interaction=${interaction}`,
    );
    // WebAuthn Signal API: the credential the assertion came from, for the RP ID of the request.
    expect(await signals(page)).toEqual([{ rpId: 'localhost', credentialId: passkey!.credentialId }]);
    await expect.poll(async () => (await credentials()).length, { timeout: 5_000 }).toBe(0);
    await context.close();
  }, 120_000);

  it('another tenant’s passkey (same RP ID): "belongs to another account", and the browser keeps it', async () => {
    // Prepare: a passkey of Pages Corp, offered to Other Corp.
    context = await browser.newContext();
    const { page, credentials } = await pageWithPasskeys(context);
    await signedUp(page, 'two-tenants@example.com');
    const otherClient = await registerClient(keyway, OTHER, { redirect_uris: [`${rpUrl}/callback`] });
    const other = await discover(keyway, OTHER, otherClient);
    await withoutAutofill(page);
    await recordSignals(page);
    await page.goto((await startSignIn({}, other)).url.href);
    // Act
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Assess: the passkey is alive at Pages Corp, so nothing tells the browser to forget it.
    await expect(page.getByRole('alert').textContent({ timeout: 20_000 })).resolves.toMatch(/\S/);
    expect(await alertText(page)).toBe(
      'This passkey is not registered with Other Corp: it belongs to another account. Choose another passkey, or use another device.',
    );
    expect(await signals(page)).toEqual([]);
    expect(await credentials()).toHaveLength(1);
    await context.close();
  }, 120_000);
});

describe('OIDC Core §3.1.2.1 prompt=select_account', () => {
  it('a signed-in browser sees "Signed in as …": Continue returns a code for the same sub; "Not you?" offers the passkey sign-in', async () => {
    // Prepare: an account with a live session in this browser.
    const context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    const sub = await signedUp(page, 'choose@example.com');
    // Act
    const choose = await startSignIn({ prompt: 'select_account' });
    await page.goto(choose.url.href);
    // Assess: no silent single sign-on; the account is named.
    await page.getByRole('heading', { name: 'Choose an account' }).waitFor();
    expect(await page.textContent('main')).toContain('Signed in as Ada Lovelace');
    expect(await page.textContent('main')).toContain('choose@example.com');
    expect(page.url()).not.toContain(`${rpUrl}/callback`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), choose.checks);
    expect(tokens.claims()!.sub).toBe(sub);

    // "Not you? Use another account": the passkey sign-in of the same request.
    const another = await startSignIn({ prompt: 'select_account' });
    await page.goto(another.url.href);
    await page.getByRole('link', { name: 'Use another account' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).resolves.toBe(true);
    await context.close();
  }, 120_000);
});
