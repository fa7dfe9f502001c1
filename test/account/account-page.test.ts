import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountCsrf } from '../../lambdas/core/account/account.ts';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  postPage,
  registerPasskey,
  signUp,
} from '../passkeys/fixtures.ts';
import { startTestKeyway } from '../support/keyway.ts';

let keyway: LocalKeyway;
let tenant: Tenant;
beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway);
});
afterAll(async () => keyway?.stop());

const unique = (name = 'owner') => `${name}+${Math.random().toString(36).slice(2)}@example.com`;

/** A signed-up person: their session cookie, id and authenticator. */
async function person(on: Tenant = tenant) {
  const authenticator = authenticatorFor(keyway);
  const email = unique();
  const done = await signUp(keyway, on, authenticator, { ...ACCOUNT, email });
  const sid = done.res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
  const userId = (await keyway.store.users.findUserIdByEmail(on.id, email))!;
  return { sid, cookie: `kw_session=${sid}; ${done.pending.cookie}`, userId, email, authenticator };
}

const page = (on: Tenant, cookie: string, query = '') =>
  fetch(`${keyway.url}/${on.id}/account${query}`, { redirect: 'manual', headers: { Cookie: cookie } });

function post(on: Tenant, who: { sid: string; cookie: string }, form: Record<string, string>, csrf?: string) {
  return fetch(`${keyway.url}/${on.id}/account`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: who.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: csrf ?? accountCsrf(who.sid), ...form }),
  });
}

/** Makes the person's session older than the re-authentication window. */
async function age(on: Tenant, sid: string) {
  await keyway.store.table.doc.send(
    new UpdateCommand({
      TableName: keyway.store.table.name,
      Key: keys.session(on.id, sha256(sid)),
      UpdateExpression: 'SET authTime = authTime - :ten',
      ExpressionAttributeValues: { ':ten': 600 },
    }),
  );
}

describe('the account page ({issuer}/account)', () => {
  it('sends a browser without a session through the passkey sign-in, which comes back here', async () => {
    const res = await page(tenant, '');
    expect(res.status).toBe(303);
    const login = new URL(res.headers.get('location')!);
    expect(login.pathname).toBe(`/${tenant.id}/login`);
    const interaction = await keyway.store.interactions.findInteraction(
      tenant.id,
      login.searchParams.get('interaction')!,
    );
    expect(interaction).toMatchObject({ returnTo: 'account', clientId: 'keyway:account' });
    expect(res.headers.get('set-cookie')).toMatch(/kw_browser=/);
  });

  it('lists the account’s passkeys and this browser’s session, escaped, with the session-bound form token', async () => {
    const me = await person();
    const res = await page(tenant, me.cookie);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain(me.email);
    expect(html).toContain('This browser');
    expect(html).toContain(`value="${accountCsrf(me.sid)}"`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
  });

  it('saves the profile (user.updated event, audit entry by the user) and renames a passkey', async () => {
    const me = await person();
    const saved = await post(tenant, me, { action: 'profile', givenName: 'Grace', familyName: 'Hopper' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toMatch(/\/account\?done=profile-saved$/);
    expect(await keyway.store.users.findUser(tenant.id, me.userId)).toMatchObject({ givenName: 'Grace' });
    const audit = await keyway.store.auditLog.listEntries(tenant.id, { limit: 20 });
    expect(audit.items.find((e) => e.action === 'user.updated' && e.target.id === me.userId)?.actor).toBe(
      `user:${me.userId}`,
    );
    const [passkey] = await keyway.store.users.listPasskeys(tenant.id, me.userId);
    const renamed = await post(tenant, me, {
      action: 'rename-passkey',
      credentialId: passkey!.credentialId,
      name: 'Phone',
    });
    expect(renamed.status).toBe(303);
    expect((await keyway.store.users.findPasskey(tenant.id, passkey!.credentialId))?.name).toBe('Phone');
    expect(await (await page(tenant, me.cookie, '?done=passkey-renamed')).text()).toContain('Phone');
  });

  it('refuses a change without this session’s token, or sent from another site', async () => {
    const me = await person();
    const forged = await post(tenant, me, { action: 'profile', givenName: 'X', familyName: 'Y' }, 'not-the-token');
    expect(forged.status).toBe(403);
    expect(forged.headers.get('content-type')).toMatch(/^text\/html/);
    const foreign = await fetch(`${keyway.url}/${tenant.id}/account`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        Cookie: me.cookie,
        Origin: 'https://evil.example',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ csrf: accountCsrf(me.sid), action: 'profile', givenName: 'X', familyName: 'Y' }),
    });
    expect(foreign.status).toBe(403);
    expect(await keyway.store.users.findUser(tenant.id, me.userId)).toMatchObject({ givenName: 'Ada' });
  });

  it('asks for the passkey again before a sensitive change when the sign-in is older than 5 minutes', async () => {
    const me = await person();
    await age(tenant, me.sid);
    const [passkey] = await keyway.store.users.listPasskeys(tenant.id, me.userId);
    const res = await post(tenant, me, {
      action: 'delete-passkey',
      credentialId: passkey!.credentialId,
      confirmLast: 'yes',
    });
    expect(res.status).toBe(303);
    const login = new URL(res.headers.get('location')!);
    const interaction = await keyway.store.interactions.findInteraction(
      tenant.id,
      login.searchParams.get('interaction')!,
    );
    expect(interaction).toMatchObject({ expectedUserId: me.userId, prompt: 'login', returnTo: 'account' });
    expect(await keyway.store.users.listPasskeys(tenant.id, me.userId)).toHaveLength(1);

    // Only this account's passkeys are offered, and another account's passkey cannot complete it.
    const pending = { interaction: interaction!, cookie: me.cookie };
    const options = await postPage(keyway, tenant, '/passkeys/authentication/options', pending, {});
    expect((options.body.options as { allowCredentials: { id: string }[] }).allowCredentials.map((c) => c.id)).toEqual([
      passkey!.credentialId,
    ]);
    const other = await person();
    const assertion = other.authenticator.get({ ...(options.body.options as object), allowCredentials: [] } as never);
    const verify = await postPage(keyway, tenant, '/passkeys/authentication/verify', pending, {
      challengeId: options.body.challengeId,
      response: assertion,
    });
    expect(verify.res.status).toBe(403);
    // Nor can an emailed code or a new passkey stand in for the passkey.
    const code = await postPage(keyway, tenant, '/email/code', pending, { purpose: 'recovery', email: me.email });
    expect(code.res.status).toBe(400);
  });

  it('keeps the last passkey unless its removal is confirmed, then removes it (passkey.removed)', async () => {
    const me = await person();
    const [passkey] = await keyway.store.users.listPasskeys(tenant.id, me.userId);
    const unconfirmed = await post(tenant, me, { action: 'delete-passkey', credentialId: passkey!.credentialId });
    expect(unconfirmed.status).toBe(400);
    expect(await keyway.store.users.listPasskeys(tenant.id, me.userId)).toHaveLength(1);
    const someoneElses = await person();
    const [theirs] = await keyway.store.users.listPasskeys(tenant.id, someoneElses.userId);
    const notMine = await post(tenant, me, {
      action: 'delete-passkey',
      credentialId: theirs!.credentialId,
      confirmLast: 'yes',
    });
    expect(notMine.status).toBe(404);
    const confirmed = await post(tenant, me, {
      action: 'delete-passkey',
      credentialId: passkey!.credentialId,
      confirmLast: 'yes',
    });
    expect(confirmed.status).toBe(303);
    expect(await keyway.store.users.listPasskeys(tenant.id, me.userId)).toHaveLength(0);
    expect(await keyway.store.users.listPasskeys(tenant.id, someoneElses.userId)).toHaveLength(1);
  });

  it('adds a passkey through a one-use enrollment that lands back on the account page', async () => {
    const me = await person();
    const res = await post(tenant, me, { action: 'add-passkey' });
    const html = await res.text();
    expect(res.status).toBe(200);
    const interactionId = /data-interaction="([^"]+)"/.exec(html)![1]!;
    const interaction = (await keyway.store.interactions.findInteraction(tenant.id, interactionId))!;
    expect(interaction).toMatchObject({ intent: 'add-passkey', expectedUserId: me.userId });
    const pending = { interaction, cookie: me.cookie };
    const laptop = authenticatorFor(keyway);
    // Two option calls on one enrollment: only one passkey can land.
    const second = await postPage(keyway, tenant, '/passkeys/registration/options', pending, {});
    const added = await registerPasskey(keyway, tenant, laptop, pending, {});
    expect(added.res.status).toBe(200);
    expect(added.body.redirectTo).toBe(`${keyway.baseUrl}/${tenant.id}/account?done=passkey-added`);
    const again = await postPage(keyway, tenant, '/passkeys/registration/verify', pending, {
      challengeId: second.body.challengeId,
      response: authenticatorFor(keyway).create(second.body.options as never),
    });
    expect(again.res.status).toBe(400); // the enrollment is over
    expect(await keyway.store.users.listPasskeys(tenant.id, me.userId)).toHaveLength(2);
    expect(keyway.mailbox.list(me.email)[0]?.purpose).toBe('passkey-added');
    // The enrollment replaced this browser's session (the old one is gone).
    expect(await keyway.store.sessions.findSession(tenant.id, me.sid)).toBeUndefined();
  });

  it('removes an app’s access (its families revoked, consent.revoked) and signs out everywhere', async () => {
    const me = await person();
    const grantId = 'g-account-test';
    await keyway.store.tokens.createGrant({
      tenantId: tenant.id,
      grantId,
      clientId: 'app',
      userId: me.userId,
      scope: 'openid profile',
      authTime: Math.floor(Date.now() / 1000),
      amr: ['hwk'],
      createdAt: Math.floor(Date.now() / 1000),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    expect(await (await page(tenant, me.cookie)).text()).toContain('Remove access');
    const revoked = await post(tenant, me, { action: 'revoke-app', clientId: 'app' });
    expect(revoked.status).toBe(303);
    expect((await keyway.store.tokens.findGrant(tenant.id, grantId))?.revokedReason).toBe('user');
    const none = await post(tenant, me, { action: 'revoke-app', clientId: 'app' });
    expect(none.status).toBe(404);

    const out = await post(tenant, me, { action: 'sign-out-everywhere' });
    expect(out.status).toBe(200);
    expect(await out.text()).toContain('signed out everywhere');
    expect(out.headers.get('set-cookie')).toMatch(/kw_session=;/);
    expect(await keyway.store.sessions.findSession(tenant.id, me.sid)).toBeUndefined();
    expect((await page(tenant, me.cookie)).status).toBe(303);
  });

  it('lists an app the user allowed on the consent page without live tokens; Remove access deletes the consent, once', async () => {
    const me = await person();
    await keyway.store.clients.createClient({
      tenantId: tenant.id,
      clientId: 'partner',
      clientName: 'Partner app',
      redirectUris: ['https://partner.example/cb'],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      scope: 'openid profile email',
      firstParty: false,
      allowedOrigins: [],
      issuedAt: Math.floor(Date.now() / 1000),
    });
    await keyway.store.consents.grant(tenant.id, me.userId, 'partner', ['openid', 'email']);
    const html = await (await page(tenant, me.cookie)).text();
    // Its granted scopes, though it holds no token.
    expect(html).toMatch(/Partner app[\s\S]*email, openid[\s\S]*Remove access/);

    const revoked = await post(tenant, me, { action: 'revoke-app', clientId: 'partner' });
    expect(revoked.status).toBe(303);
    expect(await keyway.store.consents.find(tenant.id, me.userId, 'partner')).toBeUndefined();
    expect(await (await page(tenant, me.cookie)).text()).not.toContain('Partner app');
    expect((await post(tenant, me, { action: 'revoke-app', clientId: 'partner' })).status).toBe(404);
    const feed = await keyway.store.events.readFeed(tenant.id, { limit: 500, settledBeforeMs: Date.now() + 60_000 });
    const revocations = feed.events.filter((e) => e.type === 'consent.revoked' && e.data.user_id === me.userId);
    expect(revocations.map((e) => e.data)).toEqual([
      { user_id: me.userId, client_id: 'partner', scopes: ['email', 'openid'] },
    ]);
  });

  it('isolates tenants: a session of one tenant is no session on another', async () => {
    const me = await person();
    const other = await createTenantWithClient(keyway);
    const res = await page(other, me.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(`/${other.id}/login`);
  });
});
