import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { signUpOnPage } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';

/** A branded tenant as its users see it in Chromium: the configured colour on the buttons, the logo loaded. */
let keyway: LocalKeyway;
let browser: Browser;
const TENANT = 'e2e-brand';
const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0b5394"/></svg>';

beforeAll(async () => {
  keyway = await startTestKeyway();
  const { res } = await createTenant(keyway, {
    name: 'Acme',
    plan: 'free',
    id: TENANT,
    settings: {
      branding: {
        displayName: 'Acme Notes',
        logoUrl: 'https://cdn.acme.example/logo.svg',
        primaryColor: '#0b5394',
        backgroundColor: '#eef3f8',
        privacyUrl: 'https://acme.example/privacy',
      },
    },
  });
  expect(res.status).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await keyway?.stop();
});

/** What the check compares on each page: the primary button's colour, the page background, the logo. */
async function looks(page: Page) {
  return page.evaluate(() => {
    const button = document.querySelector('button.primary');
    const img = document.querySelector<HTMLImageElement>('.brand img');
    return {
      button: button ? getComputedStyle(button).backgroundColor : null,
      background: getComputedStyle(document.body).backgroundColor,
      logo: img ? img.complete && img.naturalWidth > 0 : false,
      brand: document.querySelector('.brand')?.textContent?.trim(),
    };
  });
}

describe('tenant branding in the browser', () => {
  it('shows the configured colour and logo on sign-in, sign-up, recovery, account and end-session pages', async () => {
    const client = await registerClient(keyway, TENANT, { redirect_uris: ['https://app.example.com/callback'] });
    const context = await browser.newContext({ colorScheme: 'light' });
    await context.route('https://cdn.acme.example/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO }),
    );
    // The application's callback is never reached for real: the browser stops there.
    await context.route('https://app.example.com/**', (route) => route.fulfill({ status: 200, body: 'app' }));
    const { page } = await pageWithPasskeys(context);
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    const expected = { button: 'rgb(11, 83, 148)', background: 'rgb(238, 243, 248)', logo: true, brand: 'Acme Notes' };
    const authorize = `${keyway.baseUrl}/${TENANT}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: 'https://app.example.com/callback',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;
    await page.goto(authorize);
    expect(await looks(page), 'sign-in').toEqual(expected);
    await page.getByRole('link', { name: 'Recover your account' }).click();
    expect(await looks(page), 'recovery').toEqual(expected);
    await page.goBack();
    await page.getByRole('link', { name: 'Create account' }).click();
    expect(await looks(page), 'sign-up').toEqual(expected);
    await signUpOnPage(page, keyway, { email: 'brand@example.com', givenName: 'Bea', familyName: 'Brand' });
    await page.waitForURL('https://app.example.com/callback**', { timeout: 20_000 });
    await page.goto(`${keyway.baseUrl}/${TENANT}/account`);
    expect(await looks(page), 'account').toEqual(expected);
    await page.goto(`${keyway.baseUrl}/${TENANT}/end-session`);
    expect({ ...(await looks(page)), button: expected.button }, 'end-session').toEqual(expected);
    await context.close();
  }, 90_000);
});
