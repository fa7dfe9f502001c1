import { randomBytes, randomUUID } from 'node:crypto';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { BROWSER_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { FLAGS, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { traceStoreCalls } from '../support/store.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  type PendingSignIn,
  postPage,
  REDIRECT_URI,
  signUp,
  startInteraction,
} from './fixtures.ts';

let keyway: LocalKeyway;
let tenant: Tenant;
let authenticator: SoftAuthenticator;
let credentialId: string;
let userId: string;
const email = 'grace.hopper@example.com';

beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway);
  authenticator = authenticatorFor(keyway);
  const signedUp = await signUp(keyway, tenant, authenticator, { ...ACCOUNT, email });
  credentialId = signedUp.response.id;
  userId = (await keyway.store.users.findUserIdByEmail(tenant.id, email))!;
});
afterAll(async () => keyway?.stop());

const OPTIONS = '/passkeys/authentication/options';
const VERIFY = '/passkeys/authentication/verify';

async function requestOptions(pending: PendingSignIn, body: Record<string, unknown> = {}, at = tenant) {
  const { res, body: answer } = await postPage(keyway, at, OPTIONS, pending, body);
  expect(res.status).toBe(200);
  return {
    challengeId: answer.challengeId as string,
    options: answer.options as PublicKeyCredentialRequestOptionsJSON,
  };
}

describe('passkey sign-in', () => {
  it('offers a discoverable-credential request (no allowCredentials) with user verification required', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { options } = await requestOptions(pending);
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials ?? []).toEqual([]);
  });

  it('signs in with a registered passkey: code redirect, session cookie, counter advanced', async () => {
    // Prepare
    const pending = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(pending);
    const response = authenticator.get(options);
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
    // Assess
    expect(res.status).toBe(200);
    const redirect = new URL(body.redirectTo as string);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('code')).toBeTruthy();
    expect(redirect.searchParams.get('iss')).toBe(`${keyway.baseUrl}/${tenant.id}`);
    expect(res.headers.get('set-cookie')).toMatch(/^kw_session=[^;]+;/);
    const passkey = await keyway.store.users.findPasskey(tenant.id, credentialId);
    expect(passkey?.counter).toBe(authenticator.credentials[0]!.counter);
    expect(passkey?.lastUsedAt).toBeGreaterThan(0);
    expect(passkey?.userId).toBe(userId);
  });

  it('refuses a challenge presented a second time (single use)', async () => {
    // Prepare
    const pending = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(pending);
    await postPage(keyway, tenant, VERIFY, pending, {
      challengeId,
      response: authenticator.get(options, { flags: FLAGS.UP }),
    });
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, {
      challengeId,
      response: authenticator.get(options),
    });
    // Assess
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a challenge that was issued for another interaction', async () => {
    const first = await startInteraction(keyway, tenant);
    const second = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(first);
    const { res } = await postPage(keyway, tenant, VERIFY, second, {
      challengeId,
      response: authenticator.get(options),
    });
    expect(res.status).toBe(400);
  });

  it('refuses an assertion without user verification (UV flag clear)', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(pending);
    const response = authenticator.get(options, { flags: FLAGS.UP });
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: 'access_denied' });
  });

  it('refuses an assertion whose signature counter did not advance (cloned authenticator)', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(pending);
    const stored = await keyway.store.users.findPasskey(tenant.id, credentialId);
    const response = authenticator.get(options, { counter: stored!.counter });
    const { res } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
    expect(res.status).toBe(403);
  });

  it('lets only one of two concurrent assertions carrying the same signature counter through', async () => {
    // Prepare: a cloned authenticator (same counter in both assertions). Whichever order the two verifications
    // interleave in, exactly one may win: sequentially the counter check refuses the second, concurrently the
    // conditional counter update does. (Two assertions with increasing counters may both succeed sequentially.)
    const a = await startInteraction(keyway, tenant);
    const b = await startInteraction(keyway, tenant);
    const oa = await requestOptions(a);
    const ob = await requestOptions(b);
    const ra = authenticator.get(oa.options, { counter: 1000 });
    const rb = authenticator.get(ob.options, { counter: 1000 });
    // Act
    const results = await Promise.all([
      postPage(keyway, tenant, VERIFY, a, { challengeId: oa.challengeId, response: ra }),
      postPage(keyway, tenant, VERIFY, b, { challengeId: ob.challengeId, response: rb }),
    ]);
    // Assess
    expect(results.map((r) => r.res.status).sort()).toEqual([200, 403]);
  });

  it('refuses a passkey registered with tenant A at tenant B, even on the same RP ID: wrong_account', async () => {
    // Prepare
    const other = await createTenantWithClient(keyway, {}, 'Other Inc');
    const pending = await startInteraction(keyway, other);
    const { challengeId, options } = await requestOptions(pending, {}, other);
    expect(options.rpId).toBe('localhost');
    const response = authenticator.get(options, { credentialId });
    // Act
    const { res, body } = await postPage(keyway, other, VERIFY, pending, { challengeId, response });
    // Assess: another tenant's passkey is alive; the code must not let the page tell the browser to forget it.
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: 'wrong_account' });
    expect(body.detail).toMatch(/not registered with Other Inc: it belongs to another account/);
  });

  it('answers a passkey removed from an account of this tenant with unknown_credential', async () => {
    // Prepare: an assertion of this account (its user handle) by a credential the tenant does not hold (any more).
    const pending = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(pending);
    const removedId = randomBytes(16).toString('base64url');
    const response = { ...authenticator.get(options), id: removedId, rawId: removedId };
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
    // Assess
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: 'unknown_credential', type: 'urn:keyway:error:unknown_credential' });
    expect(body.detail).toMatch(/no passkey for Acme Corp on this device any more.*recover your account/);
  });

  it('answers an unknown passkey whose user handle names no account here (or is missing) with wrong_account', async () => {
    for (const userHandle of [Buffer.from(randomUUID()).toString('base64url'), undefined]) {
      const pending = await startInteraction(keyway, tenant);
      const { challengeId, options } = await requestOptions(pending);
      const unknownId = randomBytes(16).toString('base64url');
      const assertion = authenticator.get(options);
      const response = {
        ...assertion,
        id: unknownId,
        rawId: unknownId,
        response: { ...assertion.response, userHandle },
      };
      const { res, body } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
      expect(res.status).toBe(403);
      expect(body).toMatchObject({ code: 'wrong_account' });
    }
  });

  it('answers a passkey of another account than the one the sign-in is for (expectedUserId) with wrong_account', async () => {
    // Prepare: a second account of the tenant, its passkey in the same authenticator; a sign-in only for the first.
    const second = await signUp(keyway, tenant, authenticator, { ...ACCOUNT, email: 'second@example.com' });
    const browser = randomBytes(32).toString('base64url');
    const interaction = await keyway.store.interactions.createInteraction({
      tenantId: tenant.id,
      clientId: 'app',
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      expectedUserId: userId,
      browserHash: sha256(browser),
    });
    const pending = { interaction, cookie: `${BROWSER_COOKIE}=${browser}` };
    const { challengeId, options } = await requestOptions(pending);
    const response = authenticator.get({ ...options, allowCredentials: [] }, { credentialId: second.response.id });
    // Act
    const { res, body } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
    // Assess
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ code: 'wrong_account' });
    expect(body.detail).toMatch(/belongs to another account\. Use a passkey of the account you are signed in with/);
  });

  it('refuses a user handle that does not match the passkey’s account', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { challengeId, options } = await requestOptions(pending);
    const response = authenticator.get(options);
    response.response.userHandle = Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64url');
    const { res } = await postPage(keyway, tenant, VERIFY, pending, { challengeId, response });
    expect(res.status).toBe(403);
  });
});

describe('email-first sign-in (no user enumeration)', () => {
  it('gives the account’s credentials for a known email, case-insensitively', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { options } = await requestOptions(pending, { email: 'Grace.Hopper@EXAMPLE.com' });
    expect(options.allowCredentials).toEqual([{ id: credentialId, type: 'public-key', transports: ['internal'] }]);
  });

  it('answers an unknown email with the same shape: stable, plausible decoy credentials', async () => {
    // Prepare
    const pending = await startInteraction(keyway, tenant);
    // Act
    const known = await requestOptions(pending, { email });
    const unknown = await requestOptions(pending, { email: 'nobody@example.com' });
    const again = await requestOptions(await startInteraction(keyway, tenant), { email: 'nobody@example.com' });
    // Assess
    expect(Object.keys(unknown.options).sort()).toEqual(Object.keys(known.options).sort());
    expect(unknown.options.allowCredentials!.length).toBeGreaterThan(0);
    for (const credential of unknown.options.allowCredentials!) {
      expect(Object.keys(credential).sort()).toEqual(['id', 'transports', 'type']);
      expect(credential.type).toBe('public-key');
      expect([16, 20, 32]).toContain(Buffer.from(credential.id, 'base64url').length);
    }
    expect(again.options.allowCredentials).toEqual(unknown.options.allowCredentials);
    expect(unknown.options.allowCredentials).not.toEqual(known.options.allowCredentials);
  });

  it('makes the same store calls for known and unknown emails (no timing side channel from the store)', async () => {
    // Timing itself is not asserted here (benchmarks measure time, tests do not): equal work is what keeps it alike.
    const pending = await startInteraction(keyway, tenant);
    const callsFor = async (address: string) => {
      const trace = traceStoreCalls(keyway.store);
      try {
        await requestOptions(pending, { email: address }); // asserts a 200
      } finally {
        trace.stop();
      }
      return trace.calls.sort();
    };
    const known = await callsFor(email);
    expect(known.length).toBeGreaterThan(0);
    expect(await callsFor('nobody-else@example.com')).toEqual(known);
  });

  it('refuses a malformed email with 400 (format only, never existence)', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { res, body } = await postPage(keyway, tenant, OPTIONS, pending, { email: 'grace' });
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_request' });
  });
});
