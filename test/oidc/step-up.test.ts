import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import {
  ACCOUNT,
  authenticatorFor,
  type PendingSignIn,
  postPage,
  signUp,
  startInteraction,
} from '../passkeys/fixtures.ts';
import { admin, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { authorize, basicAuth, cookiesOf, REDIRECT_URI, redeem, registerClient } from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';
import type { SoftAuthenticator } from '../support/soft-authenticator.ts';

let keyway: LocalKeyway;
let ctx: { tenantId: string; key: string; client: Awaited<ReturnType<typeof registerClient>> };
let tenant: Tenant;
let ada: { userId: string; phone: SoftAuthenticator };
let bob: { userId: string; phone: SoftAuthenticator };

const RULES = {
  withdraw: {
    rules: [
      { when: [{ field: 'amount', op: 'lt', value: 100 }], outcome: 'ALLOW' },
      { when: [{ field: 'country', op: 'in', value: ['XX', 'YY'] }], outcome: 'BLOCK' },
    ],
  },
  'close-account': { default: 'BLOCK' },
};

async function account(email: string) {
  const phone = authenticatorFor(keyway);
  await signUp(keyway, tenant, phone, { ...ACCOUNT, email });
  return { userId: (await keyway.store.users.findUserIdByEmail(tenant.id, email))!, phone };
}

beforeAll(async () => {
  keyway = await startTestKeyway();
  const { tenantId, key } = await tenantWithKey(keyway, `stepup-${crypto.randomUUID().slice(0, 8)}`);
  await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body: { settings: { actions: RULES } } });
  const client = await registerClient(keyway, tenantId);
  ctx = { tenantId, key, client };
  tenant = (await keyway.store.tenants.findTenant(tenantId))!;
  ada = await account('ada@example.com');
  bob = await account('bob@example.com');
});
afterAll(async () => keyway?.stop());

async function initAuth(body: Record<string, unknown>, authorization = `Bearer ${ctx.key}`, tenantId = ctx.tenantId) {
  const res = await fetch(`${keyway.url}/${tenantId}/init-auth`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

/** authorize with the init token, as the backend's redirect sends the browser. */
async function authorizeWith(token: string, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  const { res, location } = await authorize(keyway, ctx.tenantId, {
    response_type: 'code',
    client_id: ctx.client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
    token,
    ...extra,
  });
  return { res, location, verifier };
}

async function tokensFor(location: URL | undefined, verifier: string) {
  const code = location?.searchParams.get('code');
  expect(code, String(location)).toBeTruthy();
  const { res, body } = await redeem(keyway, ctx, code!, verifier);
  expect(res.status).toBe(200);
  return { body, access: decodeJwt(body.access_token as string) };
}

/** The challenge page's interaction, for the page's JSON POSTs. */
async function challengeOf(res: Response, location: URL | undefined): Promise<PendingSignIn> {
  expect(location?.pathname).toBe(`/${ctx.tenantId}/login`);
  const id = location!.searchParams.get('interaction')!;
  return {
    interaction: (await keyway.store.interactions.findInteraction(ctx.tenantId, id))!,
    cookie: cookiesOf(res),
  };
}

/**
 * The challenge's ceremony with `phone`. A browser offers only the allowed credentials; `anyCredential` plays an
 * authenticator that answers with its own anyway (what a modified client could send), for the server to refuse.
 */
async function assertWith(pending: PendingSignIn, phone: SoftAuthenticator, anyCredential = false) {
  const options = await postPage(keyway, tenant, '/passkeys/authentication/options', pending, {});
  const offered = options.body.options as { allowCredentials?: { id: string }[] };
  return {
    options: offered,
    verify: await postPage(keyway, tenant, '/passkeys/authentication/verify', pending, {
      challengeId: options.body.challengeId,
      response: phone.get((anyCredential ? { ...offered, allowCredentials: [] } : offered) as never),
    }),
  };
}

async function cancel(pending: PendingSignIn) {
  return fetch(`${keyway.url}/${ctx.tenantId}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: pending.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ interaction: pending.interaction.id, csrf: pending.interaction.csrf, cancel: '1' }),
  });
}

describe('step-up actions: POST {issuer}/init-auth then authorize with token=', () => {
  it('ALLOW by rule: no ceremony, a code at once; the access token says ALLOW, with no ID token or refresh token', async () => {
    const init = await initAuth({ userId: ada.userId, action: 'withdraw', custom: { amount: 20 } });
    expect(init.res.status).toBe(200);
    expect(init.body).toMatchObject({ expires_in: 600 });
    const { location, verifier } = await authorizeWith(init.body.token as string);
    expect(`${location?.origin}${location?.pathname}`).toBe(REDIRECT_URI);
    const { body, access } = await tokensFor(location, verifier);
    expect(access).toMatchObject({
      sub: ada.userId,
      action: 'withdraw',
      action_state: 'ALLOW',
      action_id: init.body.action_id,
    });
    expect(body.id_token).toBeUndefined();
    expect(body.refresh_token).toBeUndefined();
  });

  it('BLOCK by rule (and by an action default): no ceremony, a code whose token says BLOCK and grants no scope', async () => {
    for (const [action, custom] of [
      ['withdraw', { amount: 500, country: 'XX' }],
      ['close-account', {}],
    ] as const) {
      const init = await initAuth({ userId: ada.userId, action, custom });
      const { location, verifier } = await authorizeWith(init.body.token as string);
      const { body, access } = await tokensFor(location, verifier);
      expect(access).toMatchObject({ action, action_state: 'BLOCK' });
      // No sign-in happened: nothing says when the user authenticated, nor what they may do.
      expect(access.auth_time).toBeUndefined();
      expect(access.roles).toBeUndefined();
      expect(body.scope).toBe('');
      expect(body.id_token).toBeUndefined();
      const introspected = await fetch(`${keyway.url}/${ctx.tenantId}/introspect`, {
        method: 'POST',
        headers: { Authorization: basicAuth(ctx.client), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: body.access_token as string }),
      });
      expect(await introspected.json()).toMatchObject({ active: true, action, action_state: 'BLOCK' });
    }
  });

  it('CHALLENGE (the default): only the user’s passkeys are offered, the ceremony succeeds, the token says CHALLENGE_SUCCEEDED', async () => {
    const init = await initAuth({ userId: ada.userId, action: 'withdraw', custom: { amount: 5000, country: 'DE' } });
    const { res, location, verifier } = await authorizeWith(init.body.token as string);
    const pending = await challengeOf(res, location);
    expect(pending.interaction).toMatchObject({ expectedUserId: ada.userId, prompt: 'login' });
    const { options, verify } = await assertWith(pending, ada.phone);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual(
      ada.phone.credentials.map((c) => c.id.toString('base64url')),
    );
    expect(verify.res.status).toBe(200);
    const { body, access } = await tokensFor(new URL(verify.body.redirectTo as string), verifier);
    expect(access).toMatchObject({ action: 'withdraw', action_state: 'CHALLENGE_SUCCEEDED', acr: 'phr' });
    expect(decodeJwt(body.id_token as string).sub).toBe(ada.userId);
    // Recorded: the audit entry and the event.
    const audit = await keyway.store.auditLog.listEntries(ctx.tenantId, { limit: 20 });
    expect(audit.items.find((e) => e.action === 'action.completed')).toMatchObject({
      actor: `user:${ada.userId}`,
      changes: { action_id: init.body.action_id, state: 'CHALLENGE_SUCCEEDED' },
    });
    const feed = await keyway.store.events.readFeed(ctx.tenantId, { limit: 500, settledBeforeMs: Date.now() + 60_000 });
    expect(
      feed.events.find((e) => e.type === 'action.completed' && e.data.action_id === init.body.action_id),
    ).toBeTruthy();
  });

  it('another user’s passkey is refused; Cancel then answers the application with a code that says CHALLENGE_FAILED', async () => {
    const init = await initAuth({ userId: ada.userId, action: 'withdraw', custom: { amount: 5000, country: 'DE' } });
    const { res, location, verifier } = await authorizeWith(init.body.token as string);
    const pending = await challengeOf(res, location);
    const { verify } = await assertWith(pending, bob.phone, true);
    expect(verify.res.status).toBeGreaterThanOrEqual(400);
    expect(verify.body.redirectTo).toBeUndefined();
    const cancelled = await cancel(pending);
    expect(cancelled.status).toBe(302);
    const { body, access } = await tokensFor(new URL(cancelled.headers.get('location')!), verifier);
    expect(access).toMatchObject({ sub: ada.userId, action_state: 'CHALLENGE_FAILED' });
    expect(body.scope).toBe('');
    expect(body.id_token).toBeUndefined();
    // Cancel works once: the interaction ended.
    expect((await cancel(pending)).status).toBe(400);
  });

  it('redirectToSettings: after the passkey the account page, whose Continue then issues the code (CHALLENGE_SUCCEEDED)', async () => {
    const init = await initAuth({ userId: ada.userId, action: 'withdraw', redirectToSettings: true });
    const { res, location, verifier } = await authorizeWith(init.body.token as string);
    const pending = await challengeOf(res, location);
    const { verify } = await assertWith(pending, ada.phone);
    const landing = new URL(verify.body.redirectTo as string);
    expect(landing.pathname).toBe(`/${ctx.tenantId}/account`);
    expect(landing.searchParams.get('continue')).toBe(pending.interaction.id);
    const browser = `${pending.cookie}; ${cookiesOf(verify.res)}`;
    const page = await fetch(`${keyway.url}${landing.pathname}${landing.search}`, { headers: { cookie: browser } });
    const html = await page.text();
    expect(html).toContain('Continue to Test app');
    expect(page.headers.get('content-security-policy')).toContain('form-action');
    const finish = () =>
      fetch(`${keyway.url}/${ctx.tenantId}/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: browser, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ interaction: pending.interaction.id, csrf: pending.interaction.csrf, finish: '1' }),
      });
    const done = await finish();
    expect(done.status).toBe(302);
    const { access } = await tokensFor(new URL(done.headers.get('location')!), verifier);
    expect(access).toMatchObject({ action_state: 'CHALLENGE_SUCCEEDED', acr: 'phr' });
    expect((await finish()).status).toBe(400);
    // The consent page cannot answer a step-up action in its place.
    const consent = await fetch(`${keyway.url}/${ctx.tenantId}/consent?interaction=${pending.interaction.id}`, {
      headers: { cookie: browser },
    });
    expect(consent.status).toBe(400);
  });

  it('the user is named by the external_id the tenant stored, and the backend authenticates with Basic (the key as the username)', async () => {
    await admin(keyway, 'PATCH', `/admin/tenants/${ctx.tenantId}/users/${bob.userId}`, {
      body: { external_id: 'crm-bob' },
    });
    const basic = `Basic ${Buffer.from(`${ctx.key}:`).toString('base64')}`;
    const init = await initAuth({ userId: 'crm-bob', action: 'withdraw', custom: { amount: 1 } }, basic);
    expect(init.res.status).toBe(200);
    const { location, verifier } = await authorizeWith(init.body.token as string);
    expect((await tokensFor(location, verifier)).access.sub).toBe(bob.userId);
  });
});

describe('step-up actions: bad input', () => {
  async function expectAuthorizeError(token: string, error: string, extra: Record<string, string> = {}) {
    const { location } = await authorizeWith(token, extra);
    expect(`${location?.origin}${location?.pathname}`).toBe(REDIRECT_URI);
    expect(location?.searchParams.get('error')).toBe(error);
    expect(location?.searchParams.get('code')).toBeNull();
    expect(location?.searchParams.get('state')).toBe('st');
  }

  it('a replayed init token is refused (single use)', async () => {
    const init = await initAuth({ userId: ada.userId, action: 'withdraw', custom: { amount: 1 } });
    await authorizeWith(init.body.token as string);
    await expectAuthorizeError(init.body.token as string, 'invalid_request');
  });

  it('an expired init token, a forged one and another tenant’s are refused', async () => {
    const init = await initAuth({ userId: ada.userId, action: 'withdraw' });
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.stepUp(ctx.tenantId, init.body.action_id as string),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    await expectAuthorizeError(init.body.token as string, 'invalid_request');
    const [header, payload] = (init.body.token as string).split('.');
    await expectAuthorizeError(`${header}.${payload}.AAAA`, 'invalid_request');
    // Another tenant's token (its own issuer and audience) is not this tenant's.
    const other = await tenantWithKey(keyway, `stepup-o-${crypto.randomUUID().slice(0, 8)}`);
    const stranger = await admin(keyway, 'POST', `/admin/tenants/${other.tenantId}/users`, {
      body: { email: 'eve@example.com', invite: false },
    });
    const theirs = await initAuth(
      { userId: stranger.body.id, action: 'withdraw' },
      `Bearer ${other.key}`,
      other.tenantId,
    );
    expect(theirs.res.status).toBe(200);
    await expectAuthorizeError(theirs.body.token as string, 'invalid_request');
  });

  it('a token with a conflicting login_hint, or from another application than its appId, is refused', async () => {
    const hinted = await initAuth({ userId: ada.userId, action: 'withdraw' });
    await expectAuthorizeError(hinted.body.token as string, 'invalid_request', { login_hint: 'bob@example.com' });
    const other = await registerClient(keyway, ctx.tenantId, { client_name: 'Other' });
    const bound = await initAuth({
      userId: ada.userId,
      action: 'withdraw',
      custom: { amount: 1 },
      appId: other.client_id,
    });
    await expectAuthorizeError(bound.body.token as string, 'invalid_request');
    // The refusal did not spend it: its own application still can.
    const own = await authorize(keyway, ctx.tenantId, {
      response_type: 'code',
      client_id: other.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      token: bound.body.token as string,
    });
    expect(own.location?.searchParams.get('code')).toBeTruthy();
    // Without appId, a third-party application cannot take the token (it would skip the consent it needs).
    const partner = await registerClient(keyway, ctx.tenantId, { client_name: 'Partner', first_party: false });
    const loose = await initAuth({ userId: ada.userId, action: 'withdraw', custom: { amount: 1 } });
    const taken = await authorize(keyway, ctx.tenantId, {
      response_type: 'code',
      client_id: partner.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      state: 'st',
      token: loose.body.token as string,
    });
    expect(taken.location?.searchParams.get('error')).toBe('invalid_request');
    expect(taken.location?.searchParams.get('code')).toBeNull();
    const narrow = await initAuth({ userId: ada.userId, action: 'withdraw', scope: 'openid' });
    await expectAuthorizeError(narrow.body.token as string, 'invalid_scope');
  });

  it('init-auth: an unknown user is 404, a bad body 400, no key 401, a read-only key 403, another tenant’s key 404', async () => {
    expect((await initAuth({ userId: 'nobody', action: 'withdraw' })).res.status).toBe(404);
    for (const body of [
      { userId: ada.userId },
      { userId: ada.userId, action: 'has space' },
      { userId: ada.userId, action: 'withdraw', custom: { nested: { a: 1 } } },
      { userId: ada.userId, action: 'withdraw', unexpected: true },
    ]) {
      const { res, body: problem } = await initAuth(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(problem).toMatchObject({ status: 400, traceId: expect.any(String) });
    }
    expect((await initAuth({ userId: ada.userId, action: 'withdraw' }, '')).res.status).toBe(401);
    const reader = await admin(keyway, 'POST', `/admin/tenants/${ctx.tenantId}/api-keys`, {
      body: { name: 'reader', scopes: ['read'] },
    });
    const readOnly = await initAuth({ userId: ada.userId, action: 'withdraw' }, `Bearer ${reader.body.secret}`);
    expect(readOnly.res.status).toBe(403);
    const other = await tenantWithKey(keyway, `stepup-x-${crypto.randomUUID().slice(0, 8)}`);
    const foreign = await initAuth({ userId: ada.userId, action: 'withdraw' }, `Bearer ${other.key}`);
    expect(foreign.res.status).toBe(404);
  });

  it('an external_id that looks like a Keyway user id (a UUID) is refused, so userId names one person only', async () => {
    const r = await admin(keyway, 'PATCH', `/admin/tenants/${ctx.tenantId}/users/${bob.userId}`, {
      body: { external_id: ada.userId },
    });
    expect(r.res.status).toBe(400);
  });

  it('Continue on the account page after the user was suspended confirms nothing', async () => {
    const carol = await account(`carol-${crypto.randomUUID().slice(0, 6)}@example.com`);
    const init = await initAuth({ userId: carol.userId, action: 'withdraw', redirectToSettings: true });
    const { res, location } = await authorizeWith(init.body.token as string);
    const pending = await challengeOf(res, location);
    const { verify } = await assertWith(pending, carol.phone);
    await admin(keyway, 'PATCH', `/admin/tenants/${ctx.tenantId}/users/${carol.userId}`, { body: { suspended: true } });
    const finish = await fetch(`${keyway.url}/${ctx.tenantId}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: `${pending.cookie}; ${cookiesOf(verify.res)}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ interaction: pending.interaction.id, csrf: pending.interaction.csrf, finish: '1' }),
    });
    expect(finish.status).toBe(403);
    const feed = await keyway.store.events.readFeed(ctx.tenantId, { limit: 500, settledBeforeMs: Date.now() + 60_000 });
    expect(
      feed.events.find((e) => e.type === 'action.completed' && e.data.action_id === init.body.action_id),
    ).toBeUndefined();
  });

  it('rules are validated when the tenant is changed', async () => {
    const bad = await admin(keyway, 'PATCH', `/admin/tenants/${ctx.tenantId}`, {
      body: {
        settings: { actions: { withdraw: { rules: [{ when: [{ field: 'amount', op: 'lt' }], outcome: 'ALLOW' }] } } },
      },
    });
    expect(bad.res.status).toBe(400);
  });

  it('a challenge interaction is not completed by the sign-up or the plain sign-in of another interaction', async () => {
    // The challenge's Cancel from an ordinary sign-in's interaction is refused.
    const pending = await startInteraction(keyway, tenant);
    const res = await cancel(pending);
    expect(res.status).toBe(403);
  });
});
