import type { Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { latestMailTo } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';
import { authorizationRequest, discover, startRelyingParty } from '../support/relying-party.ts';

/**
 * An administrator-created account on a tenant without self-service sign-up, as the invited person meets it: the
 * email's link in headless Chromium with a virtual platform authenticator, then the application's sign-in through a
 * certified OIDC client library (openid-client).
 */
let keyway: LocalKeyway;
let browser: Browser;
let rp: Server;
let rpUrl: string;
let config: oidc.Configuration;
const TENANT = 'e2e-invited';

beforeAll(async () => {
  keyway = await startTestKeyway();
  ({ server: rp, url: rpUrl } = await startRelyingParty());
  const { res } = await createTenant(keyway, {
    name: 'Invite Only',
    plan: 'pro',
    id: TENANT,
    settings: { signUpOpen: false },
  });
  expect(res.status).toBe(201);
  const client = await registerClient(keyway, TENANT, { redirect_uris: [`${rpUrl}/callback`] });
  config = await discover(keyway, TENANT, client);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rp?.close();
  await keyway?.stop();
});

describe('an invitation on a tenant with closed sign-up', () => {
  it('the emailed link → Continue → Create passkey lands on {issuer}/account; an OIDC sign-in with that passkey yields the same sub', async () => {
    const created = await admin(keyway, 'POST', `/admin/tenants/${TENANT}/users`, {
      body: { email: 'grace@example.com', given_name: 'Grace', family_name: 'Hopper' },
    });
    expect(created.res.status).toBe(201);
    expect(created.body.invitation).toMatchObject({ sent: true });
    const userId = String(created.body.id);

    const mail = await latestMailTo(keyway, 'grace@example.com');
    expect(mail?.purpose).toBe('invitation');
    const link = /^Set up your passkey: (\S+)$/m.exec(mail!.text)?.[1];
    expect(link).toBeDefined();

    const context = await browser.newContext();
    const { page, credentials } = await pageWithPasskeys(context);
    // The button, not passkey autofill, for the sign-in below (as a browser without conditional UI).
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    await page.goto(link!);
    await expect(page.getByRole('heading', { name: 'Set up your passkey' }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${keyway.baseUrl}/${TENANT}/account**`, { timeout: 20_000 });
    expect(await credentials()).toHaveLength(1);
    expect(await keyway.store.users.findUser(TENANT, userId)).toMatchObject({ emailVerified: true });

    // The application's sign-in: prompt=login asks for the passkey despite the session the invitation started.
    const { url, checks } = await authorizationRequest(config, `${rpUrl}/callback`, 'openid email profile', {
      prompt: 'login',
    });
    await page.goto(url.href);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), checks);
    expect(tokens.claims()).toMatchObject({
      sub: userId,
      email: 'grace@example.com',
      email_verified: true,
      given_name: 'Grace',
      amr: ['hwk', 'user'],
    });
    await context.close();
  }, 120_000);
});
