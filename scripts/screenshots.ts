/**
 * `npx tsx scripts/screenshots.ts`: renders every hosted page of a branded tenant in Debian's Chromium at 1280 px and
 * 390 px and writes docs/screenshots/{page}-{width}.png. Local mode in memory, its own DynamoDB Local; nothing is kept.
 * The tenant's logo is served by the script itself (the page loads it from its https origin, intercepted).
 */

import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startKeyway } from '../local/app.ts';
import { launchChromium, pageWithPasskeys } from '../test/support/browser.ts';
import { codeMailedTo, enterEmailedCode } from '../test/support/hosted-pages.ts';
import { runIfInvoked } from './run-script.ts';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const ADMIN_KEY = `kw_admin_screens_${Date.now()}`;
const WIDTHS = [
  { name: '1280', width: 1280, height: 800 },
  { name: '390', width: 390, height: 844 },
] as const;
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40"><rect width="40" height="40" rx="8" fill="#0b5394"/><path d="M12 28l8-16 8 16z" fill="#fff"/><text x="50" y="27" font-family="sans-serif" font-size="18" font-weight="700" fill="#0b5394">Acme</text></svg>`;

async function shoot(page: Page, name: string): Promise<void> {
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.screenshot({ path: join(OUT, `${name}-${size.name}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  console.log(`  ${name}`);
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const rp = createServer((_req, res) => res.end('the application'));
  await new Promise<void>((r) => rp.listen(0, '127.0.0.1', r));
  const callback = `http://127.0.0.1:${(rp.address() as { port: number }).port}/callback`;
  const keyway = await startKeyway({
    host: '127.0.0.1',
    port: 0,
    dataDir: ':memory:',
    adminKey: ADMIN_KEY,
    rateLimits: 'off',
    logMail: false,
  });
  const browser = await launchChromium();
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${keyway.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    await call('POST', '/admin/tenants', {
      name: 'Acme',
      plan: 'pro',
      id: 'acme',
      settings: {
        branding: {
          displayName: 'Acme Notes',
          logoUrl: 'https://cdn.acme.example/logo.svg',
          primaryColor: '#0b5394',
          backgroundColor: '#eef3f8',
          supportUrl: 'https://acme.example/help',
          privacyUrl: 'https://acme.example/privacy',
          termsUrl: 'https://acme.example/terms',
        },
      },
    });
    const client = await call('POST', '/admin/tenants/acme/clients', {
      client_name: 'Acme Notes web',
      redirect_uris: [callback],
      post_logout_redirect_uris: [callback],
      token_endpoint_auth_method: 'none',
    });
    const tv = await call('POST', '/admin/tenants/acme/clients', {
      client_name: 'Living-room TV',
      redirect_uris: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      token_endpoint_auth_method: 'none',
    });
    const issuer = `${keyway.baseUrl}/acme`;
    const authorizeUrl = (extra: Record<string, string> = {}) =>
      `${issuer}/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: String(client.client_id),
        redirect_uri: callback,
        scope: 'openid profile email',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'st',
        ...extra,
      })}`;

    const context = await browser.newContext();
    await context.route('https://cdn.acme.example/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO }),
    );
    const { page } = await pageWithPasskeys(context);
    await page.addInitScript(() => {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });

    await page.goto(authorizeUrl());
    await shoot(page, 'sign-in');
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Given name').fill('Ada');
    await page.getByLabel('Family name').fill('Lovelace');
    await shoot(page, 'sign-up');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Code from the email').waitFor();
    await shoot(page, 'sign-up-code');
    await page.getByLabel('Code from the email').fill(await codeMailedTo(keyway, 'ada@example.com'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create passkey' }).waitFor();
    await shoot(page, 'sign-up-passkey');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${callback}**`);

    await page.goto(authorizeUrl({ prompt: 'select_account' }));
    await shoot(page, 'select-account');

    const partner = await call('POST', '/admin/tenants/acme/clients', {
      client_name: 'Partner Calendar',
      redirect_uris: [callback],
      token_endpoint_auth_method: 'none',
      first_party: false,
    });
    await page.goto(
      authorizeUrl({ client_id: String(partner.client_id), scope: 'openid profile email offline_access' }),
    );
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await shoot(page, 'consent');

    await page.goto(`${issuer}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await shoot(page, 'account');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    await shoot(page, 'account-add-passkey');

    // A step-up action (init-auth) with redirectToSettings: the challenge, then the account page's Continue.
    const [me] = (await call('GET', '/admin/tenants/acme/users')).items as { id: string }[];
    const init = await call('POST', '/acme/init-auth', {
      userId: me!.id,
      action: 'withdraw',
      redirectToSettings: true,
    });
    await page.goto(authorizeUrl({ token: String(init.token) }));
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor();
    await shoot(page, 'step-up');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: /^Continue to / }).waitFor();
    await shoot(page, 'step-up-settings');

    const device = (await (
      await fetch(`${issuer}/device_authorization`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: String(tv.client_id), scope: 'openid profile' }),
      })
    ).json()) as { user_code: string; verification_uri_complete: string };
    await page.goto(`${issuer}/device`);
    await shoot(page, 'device-code');
    await page.goto(device.verification_uri_complete);
    await page.getByRole('heading', { name: 'Sign in on your device?' }).waitFor();
    await shoot(page, 'device-confirm');

    await page.goto(`${issuer}/end-session?post_logout_redirect_uri=${encodeURIComponent(callback)}`);
    await shoot(page, 'end-session-confirm');
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForLoadState();
    await shoot(page, 'end-session-signed-out');

    await page.goto(authorizeUrl({ client_id: 'no-such-app' }));
    await shoot(page, 'error');

    const fresh = await browser.newContext();
    await fresh.route('https://cdn.acme.example/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO }),
    );
    const { page: other } = await pageWithPasskeys(fresh);
    await other.goto(authorizeUrl());
    await other.getByRole('link', { name: 'Recover your account' }).click();
    await other.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await shoot(other, 'recovery');
    await other.getByRole('button', { name: 'Send code' }).click();
    await other.getByLabel('Code from the email').waitFor();
    await shoot(other, 'recovery-code');
    await enterEmailedCode(other, keyway, 'ada@example.com');
    await other.getByRole('button', { name: 'Create passkey' }).waitFor();

    const invited = await call('POST', '/admin/tenants/acme/users', {
      email: 'grace@example.com',
      given_name: 'Grace',
    });
    const [mail] = keyway.mailbox.list(String(invited.email));
    const link = /^Set up your passkey: (\S+)$/m.exec(mail!.text)![1]!;
    await other.goto(link);
    await shoot(other, 'invitation');
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('button', { name: 'Create passkey' }).waitFor();
    await shoot(other, 'invitation-passkey');
    await fresh.close();
    await context.close();
  } finally {
    await browser.close();
    await keyway.stop();
    rp.close();
  }
}

runIfInvoked(import.meta.url, main);
