import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_COOKIE, SESSION_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  authenticatorFor,
  createTenantWithClient,
  type PendingSignIn,
  postPage,
  REDIRECT_URI,
  registerPasskey,
  startInteraction,
} from './fixtures.ts';

let keyway: LocalKeyway;
/** Accounts are created by an administrator only: invitations are how people get in. */
let tenant: Tenant;
beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway, { signUpOpen: false });
});
afterAll(async () => keyway?.stop());

/** RFC 7636 Appendix B: the verifier of the code challenge startInteraction's interactions carry. */
const RFC7636_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const UNUSABLE = 'This invitation link has expired or was already used. Ask your administrator to send a new one.';
let n = 0;

/** An administrator creates a user; returns the user id and the token of the link the email carries. */
async function invite(email = `invitee-${++n}@example.com`): Promise<{ userId: string; email: string; token: string }> {
  const created = await admin(keyway, 'POST', `/admin/tenants/${tenant.id}/users`, {
    body: { email, given_name: 'Grace', family_name: 'Hopper' },
  });
  if (created.res.status !== 201) throw new Error(`create user: ${created.res.status}`);
  const [mail] = keyway.mailbox.list(email);
  const link = /^Set up your passkey: (\S+)$/m.exec(mail?.text ?? '')?.[1];
  if (!link) throw new Error(`no invitation emailed to ${email}`);
  return { userId: String(created.body.id), email, token: new URL(link).searchParams.get('token')! };
}

const pageUrl = (tenantId = tenant.id) => `${keyway.url}/${tenantId}/invitation`;

async function view(query: string, tenantId = tenant.id) {
  const res = await fetch(`${pageUrl(tenantId)}?${query}`);
  return { res, html: await res.text() };
}

/** The page's Continue button: a form POST of the token, as a browser sends it from a no-referrer page. */
async function accept(token: string, headers: Record<string, string> = { Origin: 'null' }) {
  const res = await fetch(pageUrl(), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }),
  });
  return { res, html: await res.text() };
}

const usedAt = async (userId: string) =>
  (await keyway.store.table.get(keys.invitation(tenant.id, userId), true))?.usedAt;

/** The browser state the enroll page leaves: its binding cookie and the interaction its script works on. */
async function enrollingBrowser(accepted: { res: Response; html: string }): Promise<PendingSignIn> {
  const cookie = accepted.res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${BROWSER_COOKIE}=`));
  const id = /data-interaction="([^"]+)"/.exec(accepted.html)?.[1];
  const interaction = id ? await keyway.store.interactions.findInteraction(tenant.id, id) : undefined;
  if (!cookie || !interaction) throw new Error('the enroll page carries no interaction or browser cookie');
  return { interaction, cookie };
}

describe('GET {issuer}/invitation?token=…', () => {
  it('shows "Set up your passkey" with a Continue form carrying the token, and spends nothing (mail scanners fetch links)', async () => {
    const { userId, email, token } = await invite();
    for (let i = 0; i < 2; i++) {
      const { res, html } = await view(`token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(html).toContain('<h1>Set up your passkey</h1>');
      expect(html).toContain(email);
      expect(html).toContain(`<form method="post" action="${keyway.baseUrl}/${tenant.id}/invitation">`);
      expect(html).toContain(`name="token" value="${token}"`);
      expect(html).toMatch(/<button class="primary" type="submit">Continue<\/button>/);
    }
    expect(await usedAt(userId)).toBeUndefined();
  });

  it.each([
    ['no token', ''],
    ['a malformed token', 'token=nonsense'],
    ['a token of no invitation', `token=${encodeURIComponent(`${crypto.randomUUID()}.${'A'.repeat(43)}`)}`],
    ['an oversized token', `token=${'x'.repeat(5000)}`],
  ])('%s → the styled "expired or already used" page (410), never a 500', async (_name, query) => {
    const { res, html } = await view(query);
    expect(res.status).toBe(410);
    expect(html).toContain(UNUSABLE);
    expect(html).toContain('Reference:');
  });

  it('a repeated token parameter is refused like an unusable link', async () => {
    const { token } = await invite();
    const t = encodeURIComponent(token);
    expect((await view(`token=${t}&token=${t}`)).res.status).toBe(410);
  });

  it('an unknown tenant is "Page not found" (404)', async () => {
    const { res, html } = await view('token=x', 'no-such-tenant');
    expect(res.status).toBe(404);
    expect(html).toContain('Page not found');
  });

  it('an expired invitation (7 days) cannot be opened or accepted', async () => {
    const { userId, token } = await invite();
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.invitation(tenant.id, userId),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await view(`token=${encodeURIComponent(token)}`)).html).toContain(UNUSABLE);
    const accepted = await accept(token);
    expect(accepted.res.status).toBe(410);
    expect(accepted.html).toContain(UNUSABLE);
  });

  it('a suspended user cannot open their invitation', async () => {
    const { userId, token } = await invite();
    await admin(keyway, 'PATCH', `/admin/tenants/${tenant.id}/users/${userId}`, { body: { suspended: true } });
    expect((await view(`token=${encodeURIComponent(token)}`)).res.status).toBe(410);
    expect((await accept(token)).res.status).toBe(410);
  });
});

describe('POST {issuer}/invitation (Continue)', () => {
  it('spends the link and answers with the passkey page of an add-passkey interaction bound to this browser', async () => {
    const { userId, email, token } = await invite();
    const accepted = await accept(token);
    expect(accepted.res.status).toBe(200);
    expect(accepted.html).toContain('data-page="enroll"');
    expect(accepted.html).toContain('<h1>Set up your passkey</h1>');
    expect(accepted.html).toContain(email);
    expect(accepted.html).toContain('Create passkey');
    expect(await usedAt(userId)).toEqual(expect.any(Number));
    const { interaction } = await enrollingBrowser(accepted);
    expect(interaction).toMatchObject({
      intent: 'add-passkey',
      expectedUserId: userId,
      verifiesEmail: email,
      returnTo: 'account',
      redirectUri: `${keyway.baseUrl}/${tenant.id}/account`,
    });
  });

  it('the same link a second time → the "expired or already used" page (single use)', async () => {
    const { token } = await invite();
    expect((await accept(token)).res.status).toBe(200);
    const again = await accept(token);
    expect(again.res.status).toBe(410);
    expect(again.html).toContain(UNUSABLE);
    expect((await view(`token=${encodeURIComponent(token)}`)).res.status).toBe(410);
  });

  it('two concurrent accepts of one link: exactly one gets the passkey page', async () => {
    const { token } = await invite();
    const statuses = (await Promise.all([accept(token), accept(token), accept(token)])).map((r) => r.res.status);
    expect(statuses.sort()).toEqual([200, 410, 410]);
  });

  it("a form posted from another site's origin is refused and leaves the link unspent", async () => {
    const { userId, token } = await invite();
    const forged = await accept(token, { Origin: 'https://evil.example' });
    expect(forged.res.status).toBe(403);
    expect(await usedAt(userId)).toBeUndefined();
    expect((await accept(token, { Origin: new URL(keyway.baseUrl).origin })).res.status).toBe(200);
  });

  it('keeps the browser-binding cookie the browser already has', async () => {
    const { token } = await invite();
    const accepted = await accept(token, { Origin: 'null', Cookie: `${BROWSER_COOKIE}=existing-browser` });
    expect(accepted.res.status).toBe(200);
    expect(accepted.res.headers.getSetCookie().join('\n')).toContain(`${BROWSER_COOKIE}=existing-browser;`);
  });
});

describe('accepting an invitation on a tenant with closed sign-up, end to end', () => {
  it('an invitation back into an account that had a passkey proves the mailbox only: amr otp (acr email-otp) and a notice', async () => {
    const sessionAmr = async (res: Response) => {
      const sid = res.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
        .split(';')[0]!
        .slice(SESSION_COOKIE.length + 1);
      return (await keyway.store.sessions.findSession(tenant.id, sid))?.amr;
    };
    const { userId, email, token } = await invite();
    const first = await registerPasskey(
      keyway,
      tenant,
      authenticatorFor(keyway),
      await enrollingBrowser(await accept(token)),
      {},
    );
    expect(await sessionAmr(first.res)).toEqual(['hwk', 'user']);
    // The phone is lost; the administrator sends a new link.
    await admin(keyway, 'POST', `/admin/tenants/${tenant.id}/users/${userId}/invitation`, { body: {} });
    const [mail] = keyway.mailbox.list(email);
    const again = new URL(/^Set up your passkey: (\S+)$/m.exec(mail!.text)![1]!).searchParams.get('token')!;
    const second = await registerPasskey(
      keyway,
      tenant,
      authenticatorFor(keyway),
      await enrollingBrowser(await accept(again)),
      {},
    );
    expect(second.res.status).toBe(200);
    expect(await sessionAmr(second.res)).toEqual(['otp', 'hwk', 'user']);
    expect(keyway.mailbox.list(email).some((m) => m.purpose === 'passkey-added')).toBe(true);
  });

  it('enrolls a passkey for the invited account, verifies the address, signs in to {issuer}/account; the passkey then signs in to an app', async () => {
    const { userId, token } = await invite();
    const browser = await enrollingBrowser(await accept(token));
    const authenticator = authenticatorFor(keyway);

    // Only this browser may continue.
    const elsewhere = await postPage(
      keyway,
      tenant,
      '/passkeys/registration/options',
      browser,
      {},
      { cookie: `${BROWSER_COOKIE}=another-browser` },
    );
    expect(elsewhere.res.status).toBe(403);

    // The page script's "Create passkey": options for the known account (body `{}`), then verify.
    const done = await registerPasskey(keyway, tenant, authenticator, browser, {});
    expect(done.res.status, JSON.stringify(done.body)).toBe(200);
    const landing = new URL(String(done.body.redirectTo));
    expect(`${landing.origin}${landing.pathname}`).toBe(`${keyway.baseUrl}/${tenant.id}/account`);
    expect(done.res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(true);

    const user = await keyway.store.users.findUser(tenant.id, userId);
    expect(user).toMatchObject({ emailVerified: true, givenName: 'Grace' });
    const passkeys = await keyway.store.users.listPasskeys(tenant.id, userId);
    expect(passkeys).toHaveLength(1);
    const log = await keyway.store.auditLog.listEntries(tenant.id, { limit: 10 });
    expect(log.items.find((e) => e.action === 'passkey.added')).toMatchObject({
      actor: `user:${userId}`,
      changes: { credential_id: passkeys[0]!.credentialId, via: 'invitation' },
    });
    // The interaction was used up by the passkey: it cannot enroll a second one.
    const twice = await postPage(keyway, tenant, '/passkeys/registration/options', browser, {});
    expect(twice.res.status).toBe(400);

    // Later, an application's sign-in: the new passkey, discoverable, signs the same account in.
    const signIn = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, '/passkeys/authentication/options', signIn, {});
    expect(options.res.status).toBe(200);
    const verified = await postPage(keyway, tenant, '/passkeys/authentication/verify', signIn, {
      challengeId: options.body.challengeId,
      response: authenticator.get(options.body.options as PublicKeyCredentialRequestOptionsJSON),
    });
    expect(verified.res.status, JSON.stringify(verified.body)).toBe(200);
    const redirect = new URL(String(verified.body.redirectTo));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('code')).toBeTruthy();
    const tokens = await fetch(`${keyway.url}/${tenant.id}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        redirect_uri: REDIRECT_URI,
        client_id: 'app',
        code_verifier: RFC7636_VERIFIER,
      }),
    });
    expect(tokens.status).toBe(200);
    const claims = decodeJwt(((await tokens.json()) as { id_token: string }).id_token);
    expect(claims).toMatchObject({ sub: userId, email_verified: true });
  });
});
