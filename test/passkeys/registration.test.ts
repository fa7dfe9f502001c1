import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { FLAGS } from '../support/soft-authenticator.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  postPage,
  REDIRECT_URI,
  signUp,
  startInteraction,
} from './fixtures.ts';

let keyway: LocalKeyway;
let tenant: Tenant;
beforeAll(async () => {
  keyway = await startTestKeyway();
  // The WebAuthn checks of registration, on the shortest path to them: a tenant that skips the emailed code
  // (test/passkeys/email-verification.test.ts covers the default, verified sign-up and recovery).
  tenant = await createTenantWithClient(keyway, { signUpVerification: 'none' });
});
afterAll(async () => keyway?.stop());

const OPTIONS = '/passkeys/registration/options';
const VERIFY = '/passkeys/registration/verify';

function uniqueAccount() {
  return { ...ACCOUNT, email: `ada+${Math.random().toString(36).slice(2)}@example.com` };
}

describe('passkey registration (sign-up without the emailed code: signUpVerification none)', () => {
  it('asks for a user-verified resident key with no attestation, for the tenant’s RP', async () => {
    // Prepare
    const pending = await startInteraction(keyway, tenant);
    // Act
    const { res, body } = await postPage(keyway, tenant, OPTIONS, pending, uniqueAccount());
    // Assess
    expect(res.status).toBe(200);
    const options = body.options as PublicKeyCredentialCreationOptionsJSON;
    expect(typeof body.challengeId).toBe('string');
    expect(options.rp).toEqual({ id: 'localhost', name: 'Acme Corp' });
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    // The WebAuthn user handle is the new account's UUID.
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates the account and its passkey, then sends the browser to the client with a code and a session cookie', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const account = uniqueAccount();
    // Act
    const { res, body, response, pending } = await signUp(keyway, tenant, authenticator, account);
    // Assess
    expect(res.status).toBe(200);
    const redirect = new URL(body.redirectTo as string);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('code')).toBeTruthy();
    expect(redirect.searchParams.get('state')).toBe('xyz');
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^kw_session=[^;]+; Path=/${tenant.id};.*HttpOnly`));

    const userId = await keyway.store.users.findUserIdByEmail(tenant.id, account.email.toLowerCase());
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    const user = await keyway.store.users.findUser(tenant.id, userId!);
    expect(user).toMatchObject({
      email: account.email.toLowerCase(),
      emailVerified: false,
      givenName: 'Ada',
      familyName: 'Lovelace',
      roles: ['user'],
    });
    const passkey = await keyway.store.users.findPasskey(tenant.id, response.id);
    expect(passkey).toMatchObject({
      userId,
      counter: 0,
      transports: ['internal'],
      deviceType: 'singleDevice',
      backedUp: false,
    });
    // The interaction is finished: it cannot complete a second time.
    expect(await keyway.store.interactions.findInteraction(tenant.id, pending.interaction.id)).toBeUndefined();
  });

  it('records backup eligibility and state (BE/BS flags) as a multi-device passkey', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const pending = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, OPTIONS, pending, uniqueAccount());
    const response = authenticator.create(options.body.options as never, {
      flags: FLAGS.UP | FLAGS.UV | FLAGS.AT | FLAGS.BE | FLAGS.BS,
    });
    // Act
    const { res } = await postPage(keyway, tenant, VERIFY, pending, {
      challengeId: options.body.challengeId,
      response,
    });
    // Assess
    expect(res.status).toBe(200);
    expect(await keyway.store.users.findPasskey(tenant.id, response.id)).toMatchObject({
      deviceType: 'multiDevice',
      backedUp: true,
    });
  });

  it('refuses a challenge presented a second time (single use)', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const pending = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, OPTIONS, pending, uniqueAccount());
    const challengeId = options.body.challengeId;
    const response = authenticator.create(options.body.options as never, { flags: FLAGS.UP | FLAGS.AT });
    await postPage(keyway, tenant, VERIFY, pending, { challengeId, response }); // refused: no UV, but consumed
    const retry = authenticator.create(options.body.options as never);
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response: retry });
    // Assess
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_request' });
    expect(await keyway.store.users.findPasskey(tenant.id, retry.id)).toBeUndefined();
  });

  it('refuses a challenge that was issued for another interaction', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const first = await startInteraction(keyway, tenant);
    const second = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, OPTIONS, first, uniqueAccount());
    const response = authenticator.create(options.body.options as never);
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, second, {
      challengeId: options.body.challengeId,
      response,
    });
    // Assess
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_request' });
    expect(await keyway.store.users.findPasskey(tenant.id, response.id)).toBeUndefined();
  });

  it('refuses a new passkey created without user verification (UV flag clear)', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const pending = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, OPTIONS, pending, uniqueAccount());
    const response = authenticator.create(options.body.options as never, { flags: FLAGS.UP | FLAGS.AT });
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, {
      challengeId: options.body.challengeId,
      response,
    });
    // Assess
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: 'access_denied' });
    expect(await keyway.store.users.findPasskey(tenant.id, response.id)).toBeUndefined();
  });

  it('refuses a response made for another origin', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const pending = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, OPTIONS, pending, uniqueAccount());
    const response = authenticator.create(options.body.options as never, { origin: 'https://evil.example' });
    // Act
    const { res } = await postPage(keyway, tenant, VERIFY, pending, {
      challengeId: options.body.challengeId,
      response,
    });
    // Assess
    expect(res.status).toBe(403);
  });

  it('answers an email that already has an account only at the final step, with a neutral 409', async () => {
    // Prepare
    const account = uniqueAccount();
    await signUp(keyway, tenant, authenticatorFor(keyway), account);
    const pending = await startInteraction(keyway, tenant);
    // Act
    const options = await postPage(keyway, tenant, OPTIONS, pending, {
      ...account,
      email: account.email.toUpperCase(),
    });
    const response = authenticatorFor(keyway).create(options.body.options as never);
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, {
      challengeId: options.body.challengeId,
      response,
    });
    // Assess
    expect(options.res.status).toBe(200);
    expect(res.status).toBe(409);
    expect(body).toMatchObject({ code: 'conflict' });
    expect(body.detail).toMatch(/could not be created/);
    expect(await keyway.store.users.findPasskey(tenant.id, response.id)).toBeUndefined();
  });

  it('refuses a credential id that is already registered (409)', async () => {
    // Prepare
    const authenticator = authenticatorFor(keyway);
    const first = await signUp(keyway, tenant, authenticator, uniqueAccount());
    const pending = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, OPTIONS, pending, uniqueAccount());
    const fresh = authenticator.create(options.body.options as never);
    // Splice the first credential's id and key into a new, validly signed attestation.
    authenticator.credentials.pop();
    const clash = { ...fresh, id: first.response.id, rawId: first.response.id };
    const att = Buffer.from(fresh.response.attestationObject, 'base64url');
    const oldId = Buffer.from(fresh.id, 'base64url');
    const at = att.indexOf(oldId);
    Buffer.from(first.response.id, 'base64url').copy(att, at);
    clash.response = { ...fresh.response, attestationObject: att.toString('base64url') };
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, {
      challengeId: options.body.challengeId,
      response: clash,
    });
    // Assess
    expect(res.status).toBe(409);
    expect(body.detail).toMatch(/already registered/);
  });

  it('validates the account fields and refuses unknown interactions', async () => {
    const pending = await startInteraction(keyway, tenant);
    for (const account of [
      { ...ACCOUNT, email: 'not-an-email' },
      { ...ACCOUNT, givenName: '   ' },
      { email: ACCOUNT.email, givenName: 'Ada' },
    ]) {
      const { res, body } = await postPage(keyway, tenant, OPTIONS, pending, account);
      expect(res.status, JSON.stringify(account)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(body).toMatchObject({ code: 'invalid_request' });
    }
    const { res } = await postPage(keyway, tenant, OPTIONS, pending, { ...ACCOUNT, interaction: 'nope' });
    expect(res.status).toBe(400);
  });

  it('refuses sign-up options when the tenant closed sign-up', async () => {
    // Prepare
    const closed = await createTenantWithClient(keyway, { signUpOpen: false });
    const pending = await startInteraction(keyway, closed);
    // Act
    const { res, body } = await postPage(keyway, closed, OPTIONS, pending, uniqueAccount());
    // Assess
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: 'access_denied' });
  });
});
