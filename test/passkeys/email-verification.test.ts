import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMAIL_CODE_MAX_ATTEMPTS,
  EMAIL_CODES_PER_ADDRESS,
  WRONG_CODES_PER_DAY,
} from '../../lambdas/core/store/email-flows.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import { isUserActive } from '../../lambdas/core/store/users.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  emailedCode,
  latestMail,
  postPage,
  proveEmail,
  REDIRECT_URI,
  registerPasskey,
  signUp,
  startInteraction,
} from './fixtures.ts';

let keyway: LocalKeyway;
let tenant: Tenant;
beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway);
});
afterAll(async () => keyway?.stop());

const unique = (name = 'ada') => `${name}+${Math.random().toString(36).slice(2)}@example.com`;

describe('verified sign-up (emailed code first, then the passkey)', () => {
  it('creates the account with email_verified true after the emailed code, and signs the browser in', async () => {
    // Prepare
    const email = unique();
    // Act
    const { res, body } = await signUp(keyway, tenant, authenticatorFor(keyway), { ...ACCOUNT, email });
    // Assess
    expect(res.status).toBe(200);
    expect(new URL(body.redirectTo as string).searchParams.get('code')).toBeTruthy();
    const mail = await latestMail(keyway, email);
    expect(mail).toMatchObject({ purpose: 'signup-code', subject: 'Your Acme Corp sign-up code' });
    const userId = await keyway.store.users.findUserIdByEmail(tenant.id, email);
    expect(await keyway.store.users.findUser(tenant.id, userId!)).toMatchObject({
      email,
      emailVerified: true,
      givenName: 'Ada',
      familyName: 'Lovelace',
    });
  });

  it('answers a registered address exactly like a new one, and emails it a sign-in note with no working code', async () => {
    // Prepare
    const registered = unique('taken');
    await signUp(keyway, tenant, authenticatorFor(keyway), { ...ACCOUNT, email: registered });
    const fresh = unique('fresh');
    const [a, b] = [await startInteraction(keyway, tenant), await startInteraction(keyway, tenant)];
    // Act
    const forRegistered = await postPage(keyway, tenant, '/email/code', a, {
      purpose: 'signup',
      ...ACCOUNT,
      email: registered.toUpperCase(),
    });
    const forFresh = await postPage(keyway, tenant, '/email/code', b, { purpose: 'signup', ...ACCOUNT, email: fresh });
    // Assess: the same status, the same fields, the same kind of values.
    expect(forRegistered.res.status).toBe(200);
    expect(forFresh.res.status).toBe(200);
    expect(Object.keys(forRegistered.body).sort()).toEqual(Object.keys(forFresh.body).sort());
    expect(forRegistered.body.expiresIn).toBe(forFresh.body.expiresIn);
    expect(String(forRegistered.body.flowId).length).toBe(String(forFresh.body.flowId).length);
    const note = await latestMail(keyway, registered);
    expect(note?.purpose).toBe('signup-registered');
    expect(note?.text).not.toMatch(/\b\d{6}\b/);
    expect(note?.text).toContain(`/${tenant.id}/login?interaction=`);
    // Any code typed for the registered address is simply wrong, worded as for a mistyped one.
    const guess = await postPage(keyway, tenant, '/email/code/verify', a, {
      flowId: forRegistered.body.flowId,
      code: '123456',
    });
    const wrong = await postPage(keyway, tenant, '/email/code/verify', b, {
      flowId: forFresh.body.flowId,
      code: (await emailedCode(keyway, fresh)) === '000000' ? '111111' : '000000',
    });
    expect(guess.res.status).toBe(400);
    expect(guess.body).toMatchObject({ code: 'invalid_code' });
    expect(guess.body.detail).toBe(wrong.body.detail);
  });

  it('refuses to create a passkey before the code is verified, and the unverified shortcut on a verifying tenant', async () => {
    // Prepare
    const pending = await startInteraction(keyway, tenant);
    const sent = await postPage(keyway, tenant, '/email/code', pending, {
      purpose: 'signup',
      ...ACCOUNT,
      email: unique(),
    });
    // Act
    const early = await postPage(keyway, tenant, '/passkeys/registration/options', pending, {
      flowId: sent.body.flowId,
    });
    const shortcut = await postPage(keyway, tenant, '/passkeys/registration/options', pending, {
      ...ACCOUNT,
      email: unique(),
    });
    // Assess
    expect(early.res.status).toBe(403);
    expect(shortcut.res.status).toBe(400);
    expect(shortcut.body.detail).toMatch(/emailed code/);
  });

  it('spends the code with the first passkey: the flow cannot create a second account or passkey', async () => {
    // Prepare
    const email = unique();
    const pending = await startInteraction(keyway, tenant);
    const flowId = await proveEmail(keyway, tenant, pending, { purpose: 'signup', ...ACCOUNT, email });
    const authenticator = authenticatorFor(keyway);
    // Two options calls before either finishes (a retry after a cancelled prompt): only one passkey can land.
    const first = await postPage(keyway, tenant, '/passkeys/registration/options', pending, { flowId });
    const second = await postPage(keyway, tenant, '/passkeys/registration/options', pending, { flowId });
    const userHandles = [first, second].map((o) => (o.body.options as PublicKeyCredentialCreationOptionsJSON).user.id);
    // Act
    const done = await postPage(keyway, tenant, '/passkeys/registration/verify', pending, {
      challengeId: first.body.challengeId,
      response: authenticator.create(first.body.options as never),
    });
    const again = await postPage(keyway, tenant, '/passkeys/registration/verify', pending, {
      challengeId: second.body.challengeId,
      response: authenticator.create(second.body.options as never),
    });
    // Assess
    expect(userHandles[0]).toBe(userHandles[1]); // the same account id across retries
    expect(done.res.status).toBe(200);
    expect(again.res.status).toBe(400); // the interaction was completed by the first
    const userId = await keyway.store.users.findUserIdByEmail(tenant.id, email);
    expect(await keyway.store.users.listPasskeys(tenant.id, userId!)).toHaveLength(1);
  });

  it('binds a code to the browser’s interaction: another sign-in cannot use it', async () => {
    // Prepare
    const email = unique();
    const mine = await startInteraction(keyway, tenant);
    const theirs = await startInteraction(keyway, tenant);
    const sent = await postPage(keyway, tenant, '/email/code', mine, { purpose: 'signup', ...ACCOUNT, email });
    // Act
    const { res, body } = await postPage(keyway, tenant, '/email/code/verify', theirs, {
      flowId: sent.body.flowId,
      code: await emailedCode(keyway, email),
    });
    // Assess
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_code' });
  });

  it(`sends at most ${EMAIL_CODES_PER_ADDRESS} codes to one address per 15 minutes, then answers 429 with Retry-After`, async () => {
    // Prepare
    const email = unique('bomb');
    const pending = await startInteraction(keyway, tenant);
    const send = () => postPage(keyway, tenant, '/email/code', pending, { purpose: 'signup', ...ACCOUNT, email });
    for (let i = 0; i < EMAIL_CODES_PER_ADDRESS; i++) expect((await send()).res.status).toBe(200);
    // Act
    const { res, body } = await send();
    // Assess
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('900');
    expect(body).toMatchObject({ code: 'too_many_requests' });
  });

  it(`sends no working code to an address after ${WRONG_CODES_PER_DAY} wrong codes in a day, registered or not`, async () => {
    // Prepare: four flows of five wrong tries each.
    const email = unique('guessed');
    for (let i = 0; i < WRONG_CODES_PER_DAY / EMAIL_CODE_MAX_ATTEMPTS; i++) {
      const pending = await startInteraction(keyway, tenant);
      const sent = await postPage(keyway, tenant, '/email/code', pending, { purpose: 'signup', ...ACCOUNT, email });
      const right = await emailedCode(keyway, email);
      for (let t = 0; t < EMAIL_CODE_MAX_ATTEMPTS; t++)
        await postPage(keyway, tenant, '/email/code/verify', pending, {
          flowId: sent.body.flowId,
          code: right === '000000' ? '111111' : '000000',
        });
    }
    // Act
    const pending = await startInteraction(keyway, tenant);
    const sent = await postPage(keyway, tenant, '/email/code', pending, { purpose: 'signup', ...ACCOUNT, email });
    // Assess: the same answer, an email that says why, and nothing that works.
    expect(sent.res.status).toBe(200);
    const mail = await latestMail(keyway, email);
    expect(mail?.purpose).toBe('code-locked');
    expect(mail?.text).not.toMatch(/\b\d{6}\b/);
  });

  it('validates the request: names for a sign-up, a real address, a known purpose, the 6-digit code', async () => {
    const pending = await startInteraction(keyway, tenant);
    for (const body of [
      { purpose: 'signup', email: unique() },
      { purpose: 'signup', ...ACCOUNT, email: 'not-an-email' },
      { purpose: 'steal', email: unique() },
    ]) {
      const { res } = await postPage(keyway, tenant, '/email/code', pending, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const { res, body } = await postPage(keyway, tenant, '/email/code/verify', pending, {
      flowId: 'x',
      code: '12ab56',
    });
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a sign-up code when the tenant closed sign-up', async () => {
    const closed = await createTenantWithClient(keyway, { signUpOpen: false });
    const pending = await startInteraction(keyway, closed);
    const { res } = await postPage(keyway, closed, '/email/code', pending, {
      purpose: 'signup',
      ...ACCOUNT,
      email: unique(),
    });
    expect(res.status).toBe(403);
  });
});

describe('recovery ("Lost your passkey?")', () => {
  it('enrolls a new passkey for the same account (same sub), keeps the old one, and records passkey.added', async () => {
    // Prepare: an account whose passkey is on a lost phone.
    const email = unique('lost');
    await signUp(keyway, tenant, authenticatorFor(keyway), { ...ACCOUNT, email });
    const userId = await keyway.store.users.findUserIdByEmail(tenant.id, email);
    const [oldPasskey] = await keyway.store.users.listPasskeys(tenant.id, userId!);
    const newPhone = authenticatorFor(keyway);
    const pending = await startInteraction(keyway, tenant);
    // Act
    const flowId = await proveEmail(keyway, tenant, pending, { purpose: 'recovery', email });
    const { res, body, options, response } = await registerPasskey(keyway, tenant, newPhone, pending, { flowId });
    // Assess
    // The address is told a passkey was added (after the code it was sent).
    const notice = await latestMail(keyway, email);
    expect(notice?.purpose).toBe('passkey-added');
    expect(notice?.text).toContain(`/${tenant.id}/account`);
    expect(res.status).toBe(200);
    const redirect = new URL(body.redirectTo as string);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    const created = options.options as PublicKeyCredentialCreationOptionsJSON;
    expect(Buffer.from(created.user.id, 'base64url').toString('utf8')).toBe(userId);
    expect(created.excludeCredentials?.map((c) => c.id)).toEqual([oldPasskey!.credentialId]);
    const passkeys = await keyway.store.users.listPasskeys(tenant.id, userId!);
    expect(passkeys.map((p) => p.credentialId).sort()).toEqual([oldPasskey!.credentialId, response.id].sort());
    const audit = await keyway.store.auditLog.listEntries(tenant.id, { limit: 10 });
    expect(audit.items.find((e) => e.action === 'passkey.added' && e.target.id === userId)).toMatchObject({
      actor: `user:${userId}`,
      changes: { via: 'recovery' },
    });
    const feed = await keyway.store.events.readFeed(tenant.id, { limit: 500, settledBeforeMs: Date.now() + 60_000 });
    const added = feed.events.filter(
      (e) => e.type === 'passkey.added' && (e.data as { user_id: string }).user_id === userId,
    );
    expect(added).toHaveLength(2);
  });

  it('recovering an address nobody had proved removes what was there before (account pre-hijacking)', async () => {
    // Prepare: on a tenant without verified sign-up, someone signs up with the victim's address first.
    const loose = await createTenantWithClient(keyway, { signUpVerification: 'none' });
    const email = unique('victim');
    const squatter = await signUp(keyway, loose, authenticatorFor(keyway), { ...ACCOUNT, email });
    const userId = await keyway.store.users.findUserIdByEmail(loose.id, email);
    // Act: the address's owner recovers the account.
    const pending = await startInteraction(keyway, loose);
    const flowId = await proveEmail(keyway, loose, pending, { purpose: 'recovery', email });
    const owner = await registerPasskey(keyway, loose, authenticatorFor(keyway), pending, { flowId });
    // Assess: only the owner's passkey is left, the address is verified, the squatter's session is dead.
    expect(owner.res.status).toBe(200);
    const passkeys = await keyway.store.users.listPasskeys(loose.id, userId!);
    expect(passkeys.map((p) => p.credentialId)).toEqual([owner.response.id]);
    const user = await keyway.store.users.findUser(loose.id, userId!);
    expect(user?.emailVerified).toBe(true);
    const squatterSid = squatter.res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const session = await keyway.store.sessions.findSession(loose.id, squatterSid);
    expect(session && isUserActive(user!, session.authTime)).toBeFalsy();
  });

  it('is no enumeration oracle: an unknown address gets the same answer, a "no account" email and no working code', async () => {
    // Prepare
    const known = unique('known');
    await signUp(keyway, tenant, authenticatorFor(keyway), { ...ACCOUNT, email: known });
    const unknown = unique('nobody');
    const [a, b] = [await startInteraction(keyway, tenant), await startInteraction(keyway, tenant)];
    // Act
    const forKnown = await postPage(keyway, tenant, '/email/code', a, { purpose: 'recovery', email: known });
    const forUnknown = await postPage(keyway, tenant, '/email/code', b, { purpose: 'recovery', email: unknown });
    // Assess
    expect([forKnown.res.status, forUnknown.res.status]).toEqual([200, 200]);
    expect(Object.keys(forKnown.body).sort()).toEqual(Object.keys(forUnknown.body).sort());
    const note = await latestMail(keyway, unknown);
    expect(note?.purpose).toBe('recovery-unknown');
    expect(note?.text).not.toMatch(/\b\d{6}\b/);
    const guess = await postPage(keyway, tenant, '/email/code/verify', b, {
      flowId: forUnknown.body.flowId,
      code: '123456',
    });
    expect(guess.body).toMatchObject({ code: 'invalid_code' });
    expect(await keyway.store.users.findUserIdByEmail(tenant.id, unknown)).toBeUndefined();
  });

  it('works on a tenant with closed sign-up (administrator-created accounts recover too)', async () => {
    const closed = await createTenantWithClient(keyway, { signUpOpen: false });
    const pending = await startInteraction(keyway, closed);
    const { res } = await postPage(keyway, closed, '/email/code', pending, { purpose: 'recovery', email: unique() });
    expect(res.status).toBe(200);
  });

  it('refuses to recover a suspended account after the code', async () => {
    // Prepare
    const email = unique('suspended');
    await signUp(keyway, tenant, authenticatorFor(keyway), { ...ACCOUNT, email });
    const userId = await keyway.store.users.findUserIdByEmail(tenant.id, email);
    const user = await keyway.store.users.findUser(tenant.id, userId!);
    const pending = await startInteraction(keyway, tenant);
    const flowId = await proveEmail(keyway, tenant, pending, { purpose: 'recovery', email });
    const { commit } = await import('../../lambdas/core/store/transaction.ts');
    await commit(keyway.store.table, keyway.store.users.updateUser(user!, { ...user!, suspended: true, updatedAt: 1 }));
    // Act
    const { res } = await postPage(keyway, tenant, '/passkeys/registration/options', pending, { flowId });
    // Assess
    expect(res.status).toBe(403);
  });
});
