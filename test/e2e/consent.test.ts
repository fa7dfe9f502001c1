import type { Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { signUpOnPage } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';
import { authorizationRequest, discover, startRelyingParty } from '../support/relying-party.ts';

/**
 * A third-party application (openid-client) signing people in: after the passkey, the consent page asks in plain
 * words (OIDC Core §3.1.2.4); Allow is remembered, Deny reaches the application as access_denied (RFC 6749 §4.1.2.1).
 */
let keyway: LocalKeyway;
let browser: Browser;
let rp: Server;
let rpUrl: string;
let config: oidc.Configuration;
const TENANT = 'e2e-consent';

beforeAll(async () => {
  keyway = await startTestKeyway();
  ({ server: rp, url: rpUrl } = await startRelyingParty());
  const { res } = await createTenant(keyway, { name: 'Acme Corp', plan: 'pro', id: TENANT });
  expect(res.status).toBe(201);
  const client = await registerClient(keyway, TENANT, {
    redirect_uris: [`${rpUrl}/callback`],
    client_name: 'Partner app',
    first_party: false,
  });
  config = await discover(keyway, TENANT, client);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rp?.close();
  await keyway?.stop();
});

function startSignIn(extra: Record<string, string> = {}) {
  return authorizationRequest(config, `${rpUrl}/callback`, 'openid profile email', extra);
}

describe('consent for a third-party client', () => {
  it('OIDC Core §3.1.2.4: asks after sign-up in plain words; Allow gives tokens; the next sign-in does not ask', async () => {
    const context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    const first = await startSignIn({ prompt: 'create' });
    await page.goto(first.url.href);
    await signUpOnPage(page, keyway, { email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' });

    await page.getByRole('heading', { name: 'Partner app wants to use your Acme Corp account' }).waitFor();
    const main = (await page.textContent('main')) ?? '';
    for (const words of ['Confirm who you are', 'Your name', 'Your email address', 'ada@example.com'])
      expect(main).toContain(words);
    expect(main).toContain(`You will be sent to ${new URL(rpUrl).host}`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), first.checks);
    expect(tokens.claims()).toMatchObject({ email: 'ada@example.com', given_name: 'Ada' });

    // A new passkey ceremony for the same scopes goes straight back: the answer was remembered.
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    const again = await startSignIn({ prompt: 'login' });
    await page.goto(again.url.href);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const second = await oidc.authorizationCodeGrant(config, new URL(page.url()), again.checks);
    expect(second.claims()!.sub).toBe(tokens.claims()!.sub);
    await context.close();
  }, 120_000);

  it('RFC 6749 §4.1.2.1: Deny reaches the application as access_denied, with its state', async () => {
    const context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    const signIn = await startSignIn({ prompt: 'create' });
    await page.goto(signIn.url.href);
    await signUpOnPage(page, keyway, { email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' });
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const callback = new URL(page.url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
    await expect(oidc.authorizationCodeGrant(config, callback, signIn.checks)).rejects.toMatchObject({
      error: 'access_denied',
    });
    await context.close();
  }, 120_000);
});
