import type { Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { launchChromium, pageWithPasskeys } from '../support/browser.ts';
import { enterEmailedCode, latestMailTo, signUpOnPage } from '../support/hosted-pages.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { registerClient } from '../support/oidc.ts';
import { authorizationRequest, discover, startRelyingParty } from '../support/relying-party.ts';
import { eventually, Receiver, subscribe } from '../support/webhooks.ts';

/**
 * The whole product as an integrator meets it: a certified OIDC client library (openid-client) against the
 * local server, the user's part done in headless Chromium with a virtual platform authenticator.
 */
let keyway: LocalKeyway;
let browser: Browser;
let rp: Server;
let rpUrl: string;
let config: oidc.Configuration;
let receiver: Receiver;
let clientId: string;
const TENANT = 'e2e-acme';

beforeAll(async () => {
  keyway = await startTestKeyway();
  // The relying party's callback: a real loopback server the browser lands on.
  ({ server: rp, url: rpUrl } = await startRelyingParty());
  const { res } = await createTenant(keyway, { name: 'Acme Corp', plan: 'pro', id: TENANT });
  expect(res.status).toBe(201);
  const client = await registerClient(keyway, TENANT, {
    redirect_uris: [`${rpUrl}/callback`],
    post_logout_redirect_uris: [`${rpUrl}/signed-out`],
  });
  clientId = client.client_id;
  // The tenant's backend listens for identity events (docs/WEBHOOKS.md).
  receiver = await Receiver.start();
  await subscribe(keyway, TENANT, receiver, '/events');
  config = await discover(keyway, TENANT, client);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rp?.close();
  await keyway?.stop();
  await receiver?.stop();
});

function startSignIn(extra: Record<string, string> = {}) {
  return authorizationRequest(config, `${rpUrl}/callback`, 'openid profile email offline_access', extra);
}

describe('passkey sign-in through a certified OIDC client', () => {
  it('signs up, signs out, signs in again with the same passkey → same sub; refresh, revoke, introspect', async () => {
    const context = await browser.newContext();
    const { page, credentials } = await pageWithPasskeys(context);

    // 1. Sign up: the hosted page creates an account and a passkey.
    const started = Date.now();
    const first = await startSignIn();
    await page.goto(first.url.href);
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).resolves.toBe(true);
    await page
      .getByRole('link', { name: 'Create account' })
      .or(page.getByRole('button', { name: 'Create account' }))
      .click();
    await signUpOnPage(page, keyway, { email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' });
    // offline_access: the consent page asks once per account and app.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const signUpMs = Date.now() - started;
    expect(await credentials()).toHaveLength(1);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), first.checks);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      email: 'ada@example.com',
      // The address was proved with the emailed code before the passkey was made.
      email_verified: true,
      given_name: 'Ada',
      tenant_id: TENANT,
      amr: ['hwk', 'user'],
    });
    const sub = claims.sub;
    expect(new URL(page.url()).searchParams.get('iss')).toBe(`${keyway.baseUrl}/${TENANT}`);

    // 2. A backend: userinfo, refresh (rotation), introspection.
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(userinfo).toMatchObject({ sub, email: 'ada@example.com', name: 'Ada Lovelace', roles: ['user'] });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(true);

    // 3. Single sign-on: a second authorization needs no ceremony.
    const sso = await startSignIn();
    await page.goto(sso.url.href);
    await page.waitForURL(`${rpUrl}/callback**`);
    const ssoTokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), sso.checks);
    expect(ssoTokens.claims()!.sub).toBe(sub);

    // 4. Revoke the refreshed family, then sign out (RP-initiated logout).
    await oidc.tokenRevocation(config, refreshed.refresh_token!);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: ssoTokens.id_token!,
      post_logout_redirect_uri: `${rpUrl}/signed-out`,
      state: 'bye',
    });
    await page.goto(logout.href);
    await page.waitForURL(`${rpUrl}/signed-out?state=bye`);

    // 5a. Sign in again through passkey autofill (conditional UI): Chromium's virtual authenticator answers
    // the conditional request by itself, as a user picking the passkey from the email field's autofill would.
    const autofill = await startSignIn();
    await page.goto(autofill.url.href);
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const autofillTokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), autofill.checks);
    expect(autofillTokens.claims()!.sub).toBe(sub);

    // 5b. And with the button (discoverable credential, no username) where the browser has no autofill.
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    const again = await startSignIn({ prompt: 'login' });
    const signInStarted = Date.now();
    await page.goto(again.url.href);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const signInMs = Date.now() - signInStarted;
    const againTokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), again.checks);
    expect(againTokens.claims()!.sub).toBe(sub);
    expect(againTokens.claims()!.auth_time).toBeGreaterThanOrEqual(claims.auth_time as number);
    console.log(`e2e timings: sign-up ${signUpMs} ms, passkey sign-in ${signInMs} ms (browser + server, local)`);

    // 6. prompt=login forces a new ceremony despite the fresh session.
    const forced = await startSignIn({ prompt: 'login' });
    await page.goto(forced.url.href);
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).resolves.toBe(true);
    await context.close();

    // 7. The tenant's backend heard all of it, signed: the sign-up, three sign-ins, the revocation, the logout.
    const types = () => receiver.at('/events').map((r) => r.event.type);
    await eventually(
      () => types().filter((t) => t === 'user.signed_in').length === 3 && types().includes('session.revoked'),
      10_000,
      'sign-in events',
    );
    const events = receiver.at('/events');
    expect(events.every((r) => r.verified)).toBe(true);
    const of = (type: string) => events.filter((r) => r.event.type === type).map((r) => r.event.data);
    expect(of('user.created')).toEqual([expect.objectContaining({ id: sub, email: 'ada@example.com' })]);
    expect(of('passkey.added')).toEqual([expect.objectContaining({ user_id: sub })]);
    for (const signIn of of('user.signed_in'))
      expect(signIn).toMatchObject({ user_id: sub, client_id: clientId, amr: ['hwk', 'user'] });
    expect(of('token.revoked')).toEqual([expect.objectContaining({ user_id: sub, reason: 'revocation' })]);
    expect(of('session.revoked')).toEqual([expect.objectContaining({ user_id: sub, reason: 'logout' })]);
  }, 120_000);

  it('RFC 8628: a TV (openid-client) gets tokens after the user signs up with a passkey on the device page and allows it', async () => {
    const tv = await registerClient(keyway, TENANT, {
      redirect_uris: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
      client_name: 'Living-room TV',
    });
    const tvConfig = await oidc.discovery(
      new URL(`${keyway.baseUrl}/${TENANT}`),
      tv.client_id,
      undefined,
      oidc.None(),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const device = await oidc.initiateDeviceAuthorization(tvConfig, { scope: 'openid email offline_access' });
    expect(device.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    // The TV polls at the interval the server gave while the user answers on another screen.
    const polling = oidc.pollDeviceAuthorizationGrant(tvConfig, device);

    const context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    await page.goto(device.verification_uri_complete!);
    // No session yet: the device page sends the browser through the hosted sign-in, then back.
    await page.getByRole('link', { name: 'Create account' }).click();
    await signUpOnPage(page, keyway, { email: 'tv-owner@example.com', givenName: 'Grace', familyName: 'Hopper' });
    await page.getByRole('heading', { name: 'Sign in on your device?' }).waitFor({ timeout: 20_000 });
    expect(await page.textContent('main')).toContain('Living-room TV');
    expect(await page.textContent('main')).toContain(device.user_code);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Your device is connected' }).waitFor();

    const tokens = await polling;
    expect(tokens.claims()).toMatchObject({ email: 'tv-owner@example.com', aud: tv.client_id });
    expect(tokens.refresh_token).toBeTruthy();
    await context.close();
  }, 60_000);

  it('a passkey of one tenant is refused by another tenant on the same host', async () => {
    const { res } = await createTenant(keyway, { name: 'Other Corp', plan: 'free', id: 'e2e-other' });
    expect(res.status).toBe(201);
    const otherClient = await registerClient(keyway, 'e2e-other', { redirect_uris: [`${rpUrl}/callback`] });
    const other = await oidc.discovery(
      new URL(`${keyway.baseUrl}/e2e-other`),
      otherClient.client_id,
      undefined,
      oidc.ClientSecretBasic(otherClient.client_secret!),
      { execute: [oidc.allowInsecureRequests] },
    );
    const context = await browser.newContext();
    const { page } = await pageWithPasskeys(context);
    // Register a passkey with the first tenant in this browser's authenticator.
    const signup = await startSignIn({ prompt: 'create' });
    await page.goto(signup.url.href);
    await signUpOnPage(page, keyway, { email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' });
    // offline_access: the consent page asks once per account and app.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });

    // The browser offers it to the other tenant (same RP ID), but the other tenant refuses it.
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    const url = oidc.buildAuthorizationUrl(other, {
      redirect_uri: `${rpUrl}/callback`,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    await page.goto(url.href);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(page.getByRole('alert').textContent({ timeout: 10_000 })).resolves.toMatch(/\S/);
    expect(page.url()).not.toContain(`${rpUrl}/callback`);
    await context.close();
  }, 120_000);

  it('recovers a lost passkey with an emailed code: a new passkey on a new device, the same sub', async () => {
    // Prepare: an account whose only passkey is on a phone that is then lost.
    const phone = await browser.newContext();
    const { page: onPhone } = await pageWithPasskeys(phone);
    const signup = await startSignIn({ prompt: 'create' });
    await onPhone.goto(signup.url.href);
    await signUpOnPage(onPhone, keyway, { email: 'lost@example.com', givenName: 'Lin', familyName: 'Lost' });
    // offline_access: the consent page asks once per account and app.
    await onPhone.getByRole('button', { name: 'Allow' }).click();
    await onPhone.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });
    const sub = (await oidc.authorizationCodeGrant(config, new URL(onPhone.url()), signup.checks)).claims()!.sub;
    await phone.close();

    // Act: on a new laptop, "Lost your passkey?" → code → new passkey.
    const laptop = await browser.newContext();
    const { page, credentials } = await pageWithPasskeys(laptop);
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    const signIn = await startSignIn();
    await page.goto(signIn.url.href);
    await page.getByRole('link', { name: 'Recover your account' }).click();
    await page.getByLabel('Email', { exact: true }).fill('lost@example.com');
    await page.getByRole('button', { name: 'Send code' }).click();
    await enterEmailedCode(page, keyway, 'lost@example.com');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${rpUrl}/callback**`, { timeout: 20_000 });

    // Assess: signed in as the same account, with a passkey on this device.
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), signIn.checks);
    expect(tokens.claims()).toMatchObject({ sub, email: 'lost@example.com' });
    expect(await credentials()).toHaveLength(1);
    const userPasskeys = await keyway.store.users.listPasskeys(TENANT, sub);
    expect(userPasskeys).toHaveLength(2);
    await eventually(
      () =>
        receiver.at('/events').filter((r) => r.event.type === 'passkey.added' && r.event.data.user_id === sub)
          .length === 2,
      10_000,
      'passkey.added events of the recovered account',
    );
    await laptop.close();
  }, 120_000);

  it('shows a registered address the same code step as a new one; its email says "you already have an account"', async () => {
    const context = await browser.newContext();
    const { page, credentials } = await pageWithPasskeys(context);
    const signup = await startSignIn({ prompt: 'create' });
    await page.goto(signup.url.href);
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Given name').fill('Someone');
    await page.getByLabel('Family name').fill('Else');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Code from the email').waitFor({ timeout: 10_000 });
    expect(await page.textContent('main')).toContain('We sent an email to ada@example.com');
    const mail = await latestMailTo(keyway, 'ada@example.com');
    expect(mail?.purpose).toBe('signup-registered');
    await page.getByLabel('Code from the email').fill('123456');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent({ timeout: 10_000 })).resolves.toMatch(/not right/);
    expect(await credentials()).toHaveLength(0);
    await context.close();
  }, 60_000);
});
