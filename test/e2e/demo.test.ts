import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { DEMO_CLIENT_ID, DEMO_TENANT_ID } from '../../local/demo.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { signUpOnPage } from '../support/hosted-pages.ts';
import { startTestKeyway } from '../support/keyway.ts';

/**
 * What a newcomer does after `npm start`: open the base URL, press "Sign in" on the demo app, create an account
 * with a passkey, see the claims, sign out, and sign in again with the same passkey.
 */
let keyway: LocalKeyway;
let browser: Browser;
const tableName = `test-${randomBytes(6).toString('hex')}`;

const startDemo = () => startTestKeyway({ demo: true, tableName });

beforeAll(async () => {
  keyway = await startDemo();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await keyway?.stop();
});

async function claimsOn(page: import('playwright-core').Page): Promise<Record<string, unknown>> {
  return JSON.parse((await page.locator('#id-token-claims').textContent()) ?? '{}');
}

describe('the local demo relying party', () => {
  it('signs up with a passkey, shows the claims and userinfo, signs out, signs in again as the same user', async () => {
    const context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    // Passkey autofill would answer by itself; this test walks the explicit buttons a newcomer clicks.
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });

    await page.goto(`${keyway.baseUrl}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page
      .getByRole('link', { name: 'Create account' })
      .or(page.getByRole('button', { name: 'Create account' }))
      .click();
    await signUpOnPage(page, keyway, { email: 'newcomer@example.com', givenName: 'New', familyName: 'Comer' });
    // The demo asks for offline_access: the consent page, once.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${keyway.baseUrl}/demo/callback**`, { timeout: 20_000 });

    const claims = await claimsOn(page);
    expect(claims).toMatchObject({
      iss: `${keyway.baseUrl}/${DEMO_TENANT_ID}`,
      aud: DEMO_CLIENT_ID,
      email: 'newcomer@example.com',
      tenant_id: DEMO_TENANT_ID,
      amr: ['hwk', 'user'],
    });
    const userinfo = JSON.parse((await page.locator('#userinfo').textContent()) ?? '{}');
    expect(userinfo).toMatchObject({ sub: claims.sub, name: 'New Comer' });

    // Sign out ends the provider session and lands back on the demo home page.
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${keyway.baseUrl}/`);

    // Signing in again needs a ceremony (the session ended) and yields the same subject.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${keyway.baseUrl}/demo/callback**`, { timeout: 20_000 });
    expect((await claimsOn(page)).sub).toBe(claims.sub);
    await context.close();
  }, 120_000);

  it('follows a new base URL when local mode restarts on another port (the seeded client is replaced)', async () => {
    const second = await startDemo();
    try {
      expect(second.baseUrl).not.toBe(keyway.baseUrl);
      const res = await fetch(`${second.url}/demo/login`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const authorize = await fetch(res.headers.get('location')!.replace(second.baseUrl, second.url), {
        redirect: 'manual',
      });
      // A redirect to the hosted sign-in page, not the HTML error page of a redirect_uri mismatch.
      expect(authorize.status).toBe(302);
      expect(authorize.headers.get('location')).toContain(`/${DEMO_TENANT_ID}/login`);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
