import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { createTenantWithClient, REDIRECT_URI } from '../passkeys/fixtures.ts';
import { launchChromium } from '../support/browser.ts';
import { startTestKeyway } from '../support/keyway.ts';

/** The page script in Chromium speaks the page's language: its own messages and, for a problem, its code's message. */
let keyway: LocalKeyway;
let browser: Browser;
let tenant: Tenant;
beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await keyway?.stop();
});

describe('the passkey page script in German (ui_locales=de)', () => {
  it('recovery: the code-sent note and a wrong code’s alert are German', async () => {
    // Prepare
    const context = await browser.newContext();
    const page = await context.newPage();
    const query = new URLSearchParams({
      client_id: 'app',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ui_locales: 'de',
    });
    await page.goto(`${keyway.baseUrl}/${tenant.id}/authorize?${query}`);
    await page.getByRole('link', { name: 'Konto wiederherstellen' }).click();
    await page.waitForURL('**/recover?**');
    // Act
    await page.fill('#email', 'niemand@example.com');
    await page.getByRole('button', { name: 'Code senden' }).click();
    await page.locator('#code-form').waitFor({ state: 'visible' });
    const sent = await page.locator('#code-sent').textContent();
    await page.fill('#code', '000000');
    await page.locator('#code-form button[type=submit]').click();
    await page.locator('#alert:not(:empty)').waitFor();
    // Assess
    expect(sent).toMatch(/^Wir haben eine E-Mail an niemand@example\.com gesendet\. .*\(er gilt \d+ Minuten\)/);
    expect(await page.locator('#alert').textContent()).toBe(
      'Dieser Code ist ungültig, abgelaufen oder wurde bereits verwendet. Fordern Sie einen neuen Code an.',
    );
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await context.close();
  }, 60_000);
});
