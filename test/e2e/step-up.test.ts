import type { Server } from 'node:http';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { signUpOnPage } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';
import { authorizationRequest, discover, startRelyingParty } from '../support/relying-party.ts';

/**
 * Step-up actions as an application uses them (the Authsignal pattern): its backend calls init-auth with the tenant's
 * API key, sends the browser to authorize with the token, and reads the outcome from the access token the code
 * redeems for. Chromium with a WebAuthn virtual authenticator per person.
 */
let keyway: LocalKeyway;
let browser: Browser;
let rp: Server;
let rpUrl: string;
let config: oidc.Configuration;
let apiKey: string;
const TENANT = 'e2e-step-up';
const people: Record<'ada' | 'bob', { page: Page; userId: string }> = {} as never;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ({ server: rp, url: rpUrl } = await startRelyingParty());
  const { res } = await createTenant(keyway, { name: 'Acme Bank', plan: 'pro', id: TENANT });
  expect(res.status).toBe(201);
  await admin(keyway, 'PATCH', `/admin/tenants/${TENANT}`, {
    body: {
      settings: {
        actions: {
          withdraw: {
            rules: [
              { when: [{ field: 'amount', op: 'lt', value: 100 }], outcome: 'ALLOW' },
              { when: [{ field: 'country', op: 'eq', value: 'XX' }], outcome: 'BLOCK' },
            ],
          },
        },
      },
    },
  });
  apiKey = (await admin(keyway, 'POST', `/admin/tenants/${TENANT}/api-keys`, { body: { name: 'backend' } })).body
    .secret as string;
  const client = await registerClient(keyway, TENANT, {
    redirect_uris: [`${rpUrl}/callback`],
    client_name: 'Bank app',
  });
  config = await discover(keyway, TENANT, client);
  browser = await launchChromium();
  for (const [name, email] of [
    ['ada', 'ada@example.com'],
    ['bob', 'bob@example.com'],
  ] as const) {
    const { page } = await pageWithPasskeys(await browser.newContext());
    const signUp = await authorizationRequest(config, `${rpUrl}/callback`, 'openid email', { prompt: 'create' });
    await page.goto(signUp.url.href);
    await signUpOnPage(page, keyway, { email, givenName: name, familyName: 'Example' });
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), signUp.checks);
    people[name] = { page, userId: tokens.claims()!.sub };
    // Later visits: no passkey autofill, so the challenge's button is what signs in.
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  rp?.close();
  await keyway?.stop();
});

/** The backend's half: init-auth for `userId`, then the authorization URL carrying the token. */
async function stepUp(userId: string, custom: Record<string, unknown>) {
  const res = await fetch(`${keyway.baseUrl}/${TENANT}/init-auth`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, action: 'withdraw', custom }),
  });
  expect(res.status).toBe(200);
  const { token } = (await res.json()) as { token: string };
  return authorizationRequest(config, `${rpUrl}/callback`, 'openid email', { token });
}

/**
 * What the backend learns: the access token of the code the callback carries. Only a passed challenge also brings an
 * ID token (the user authenticated), whose nonce is then checked.
 */
async function outcome(page: Page, request: Awaited<ReturnType<typeof stepUp>>, authenticated = false) {
  await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
  const { expectedNonce, ...checks } = request.checks;
  const tokens = await oidc.authorizationCodeGrant(
    config,
    new URL(page.url()),
    authenticated ? { ...checks, expectedNonce } : checks,
  );
  expect(tokens.id_token !== undefined).toBe(authenticated);
  return decodeJwt(tokens.access_token);
}

describe('step-up actions in the browser', () => {
  it('CHALLENGE: the page asks for the passkey, and the access token says CHALLENGE_SUCCEEDED', async () => {
    const { page, userId } = people.ada;
    const request = await stepUp(userId, { amount: 5000, country: 'DE' });
    await page.goto(request.url.href);
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    expect(await outcome(page, request, true)).toMatchObject({
      sub: userId,
      action: 'withdraw',
      action_state: 'CHALLENGE_SUCCEEDED',
      acr: 'phr',
    });
  }, 60_000);

  it('Cancel: the application still gets a code, whose access token says CHALLENGE_FAILED', async () => {
    const { page, userId } = people.ada;
    const request = await stepUp(userId, { amount: 5000, country: 'DE' });
    await page.goto(request.url.href);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await outcome(page, request)).toMatchObject({ sub: userId, action_state: 'CHALLENGE_FAILED', scope: '' });
  }, 60_000);

  it('a rule that blocks: no ceremony, straight back with BLOCK', async () => {
    const { page, userId } = people.ada;
    const request = await stepUp(userId, { amount: 5000, country: 'XX' });
    await page.goto(request.url.href);
    expect(await outcome(page, request)).toMatchObject({ action_state: 'BLOCK' });
  }, 60_000);

  it('a rule that allows: no ceremony, straight back with ALLOW', async () => {
    const { page, userId } = people.ada;
    const request = await stepUp(userId, { amount: 20 });
    await page.goto(request.url.href);
    expect(await outcome(page, request)).toMatchObject({ action_state: 'ALLOW' });
  }, 60_000);

  it('another person’s passkey does not pass: Bob’s browser cannot confirm Ada’s action, and Cancel reports CHALLENGE_FAILED', async () => {
    const request = await stepUp(people.ada.userId, { amount: 5000, country: 'DE' });
    const { page } = people.bob;
    await page.goto(request.url.href);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Only Ada's passkey is allowed: Bob's authenticator has none of them, so the page says so and stays.
    await page.locator('#alert:not(:empty)').waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe(`/${TENANT}/login`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await outcome(page, request)).toMatchObject({ sub: people.ada.userId, action_state: 'CHALLENGE_FAILED' });
  }, 60_000);
});
