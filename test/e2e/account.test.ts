import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { signUpOnPage } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';

/** The account page as its owner uses it, in Chromium with a virtual platform authenticator. */
let keyway: LocalKeyway;
let browser: Browser;
const TENANT = 'e2e-account';

beforeAll(async () => {
  keyway = await startTestKeyway();
  const { res } = await createTenant(keyway, { name: 'Acme Corp', plan: 'pro', id: TENANT });
  expect(res.status).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await keyway?.stop();
});

describe('the account page', () => {
  it('signs up from the account page, renames, adds a second passkey on a new device, removes the first, signs out everywhere', async () => {
    const context = await browser.newContext();
    const { page, credentials, newDevice } = await pageWithPasskeys(context);
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    const account = `${keyway.baseUrl}/${TENANT}/account`;

    // No session: the account page sends the browser through the hosted sign-in (here: a sign-up) and back.
    await page.goto(account);
    await page.getByRole('link', { name: 'Create account' }).click();
    await signUpOnPage(page, keyway, { email: 'owner@example.com', givenName: 'Olive', familyName: 'Owner' });
    await page.waitForURL(account, { timeout: 20_000 });
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const main = () => page.textContent('main');
    expect(await main()).toContain('owner@example.com');
    expect(await main()).toContain('This browser');

    // Rename the passkey.
    await page.getByLabel(/New name for/).fill('Work laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('status').filter({ hasText: 'renamed' }).waitFor();
    expect(await main()).toContain('Work laptop');

    // Add a second passkey from another device (the sign-in is fresh: no re-authentication needed).
    await newDevice();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${account}?done=passkey-added`, { timeout: 20_000 });
    expect(await credentials()).toHaveLength(1);
    expect(await page.getByRole('button', { name: 'Remove', exact: true }).count()).toBe(2);

    // Remove the first one (the renamed "Work laptop").
    const first = page.locator('.item').filter({ hasText: 'Work laptop' });
    await first.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'removed' }).waitFor();
    expect(await main()).not.toContain('Work laptop');
    expect(await page.getByRole('button', { name: 'Remove', exact: true }).count()).toBe(1);

    // Sign out everywhere: this browser too.
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'You are signed out everywhere' }).waitFor();
    await page.goto(account);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await context.close();
  }, 120_000);
});
