import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { authenticatorFor, createTenantWithClient, postPage, signUp, startInteraction } from '../passkeys/fixtures.ts';
import { admin, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  authorize,
  basicAuth,
  getCode,
  REDIRECT_URI,
  redeem,
  registerClient,
  signedInUser,
  tokenRequest,
} from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

const users = (tenantId: string) => `/admin/tenants/${tenantId}/users`;

/** A tenant with a client and a signed-in user holding tokens from a real code exchange. */
async function signedInWithTokens(id: string) {
  const { tenantId, key } = await tenantWithKey(keyway, id);
  const client = await registerClient(keyway, tenantId);
  const user = await signedInUser(keyway, tenantId);
  const { code, verifier } = await getCode(keyway, { tenantId, client }, user.cookie);
  const tokens = (await redeem(keyway, { tenantId, client }, code, verifier)).body;
  return { tenantId, key, client, user, tokens };
}

type Ctx = Awaited<ReturnType<typeof signedInWithTokens>>;

async function tokenState(ctx: Ctx) {
  const refresh = await tokenRequest(
    keyway,
    ctx.tenantId,
    { grant_type: 'refresh_token', refresh_token: ctx.tokens.refresh_token as string },
    { Authorization: basicAuth(ctx.client) },
  );
  const introspect = await fetch(`${keyway.url}/${ctx.tenantId}/introspect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(ctx.client) },
    body: new URLSearchParams({ token: ctx.tokens.access_token as string }),
  });
  const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
    headers: { Authorization: `Bearer ${ctx.tokens.access_token}` },
  });
  const { challenge } = pkcePair();
  const sso = await authorize(
    keyway,
    ctx.tenantId,
    {
      response_type: 'code',
      client_id: ctx.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    ctx.user.cookie,
  );
  return {
    refresh: refresh.body.error ?? refresh.res.status,
    introspection: ((await introspect.json()) as { active: boolean }).active,
    userinfo: userinfo.status,
    sso: sso.location?.searchParams.has('code') ? 'code' : sso.location?.pathname.split('/').pop(),
  };
}

describe('users', () => {
  it('creates a user without credentials (201, Location); the email is unique per tenant in any case (409)', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'users-create');
    const created = await admin(keyway, 'POST', users(tenantId), {
      key,
      body: { email: 'Ada@Example.com', given_name: 'Ada', family_name: 'Lovelace' },
    });
    expect(created.res.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'ada@example.com',
      email_verified: false,
      given_name: 'Ada',
      roles: ['user'],
      suspended: false,
    });
    // The creation's answer adds the invitation it sent (POST only).
    const { invitation, ...user } = created.body;
    expect(invitation).toMatchObject({ sent: true });
    const location = created.res.headers.get('location')!.replace(keyway.baseUrl, '');
    expect((await admin(keyway, 'GET', location, { key })).body).toEqual(user);
    const again = await admin(keyway, 'POST', users(tenantId), { key, body: { email: 'ADA@example.com' } });
    expect(again.res.status).toBe(409);
    const found = await admin(keyway, 'GET', `${users(tenantId)}?email=ada%40example.com`, { key });
    expect(found.body).toEqual({ items: [user], next_cursor: null });
    const none = await admin(keyway, 'GET', `${users(tenantId)}?email=nobody%40example.com`, { key });
    expect(none.body).toEqual({ items: [], next_cursor: null });
  });

  it('lists users in creation order with cursor pagination', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'users-list');
    for (let i = 0; i < 3; i++) await admin(keyway, 'POST', users(tenantId), { body: { email: `u${i}@example.com` } });
    const first = await admin(keyway, 'GET', `${users(tenantId)}?limit=2`);
    const second = await admin(keyway, 'GET', `${users(tenantId)}?limit=2&cursor=${first.body.next_cursor}`);
    const emails = [...(first.body.items as { email: string }[]), ...(second.body.items as { email: string }[])].map(
      (u) => u.email,
    );
    expect(emails.sort()).toEqual(['u0@example.com', 'u1@example.com', 'u2@example.com']);
  });

  it('suspension takes effect at once: refresh invalid_grant, introspection inactive, userinfo 401, no SSO; unsuspending revives nothing', async () => {
    const ctx = await signedInWithTokens('users-suspend');
    expect(await tokenState(ctx)).toMatchObject({ introspection: true, userinfo: 200, sso: 'code' });
    const suspended = await admin(keyway, 'PATCH', `${users(ctx.tenantId)}/${ctx.user.userId}`, {
      key: ctx.key,
      body: { suspended: true },
    });
    expect(suspended.res.status).toBe(200);
    expect(suspended.body).toMatchObject({ suspended: true, sessions_revoked_at: expect.any(String) });
    const state = { refresh: 'invalid_grant', introspection: false, userinfo: 401, sso: 'login' };
    expect(await tokenState(ctx)).toEqual(state);

    const restored = await admin(keyway, 'PATCH', `${users(ctx.tenantId)}/${ctx.user.userId}`, {
      body: { suspended: false },
    });
    expect(restored.body).toMatchObject({ suspended: false });
    expect(await tokenState(ctx)).toEqual(state);
    const log = await admin(keyway, 'GET', `/admin/tenants/${ctx.tenantId}/audit-log?limit=2`);
    expect((log.body.items as { action: string }[]).map((e) => e.action)).toEqual([
      'user.unsuspended',
      'user.suspended',
    ]);
  });

  it('a suspended user is refused at passkey sign-in with a clear message', async () => {
    const tenant = await createTenantWithClient(keyway);
    const authenticator = authenticatorFor(keyway);
    const email = 'suspended@example.com';
    await signUp(keyway, tenant, authenticator, { email, givenName: 'Sus', familyName: 'Pended' });
    const userId = (await keyway.store.users.findUserIdByEmail(tenant.id, email))!;
    expect(
      (await admin(keyway, 'PATCH', `${users(tenant.id)}/${userId}`, { body: { suspended: true } })).res.status,
    ).toBe(200);

    const pending = await startInteraction(keyway, tenant);
    const options = await postPage(keyway, tenant, '/passkeys/authentication/options', pending, {});
    const verify = await postPage(keyway, tenant, '/passkeys/authentication/verify', pending, {
      challengeId: options.body.challengeId,
      response: authenticator.get(options.body.options as never),
    });
    expect(verify.res.status).toBe(403);
    expect(verify.body.detail).toMatch(/suspended/);
  });

  it('sign out everywhere ends every session and token family of the user, and only theirs', async () => {
    const ctx = await signedInWithTokens('users-signout');
    const other = await signedInUser(keyway, ctx.tenantId);
    const sessions = await admin(keyway, 'GET', `${users(ctx.tenantId)}/${ctx.user.userId}/sessions`, { key: ctx.key });
    expect(sessions.body.items).toEqual([
      expect.objectContaining({ id: expect.any(String), amr: ['hwk', 'user'], expires_at: expect.any(String) }),
    ]);
    const out = await admin(keyway, 'DELETE', `${users(ctx.tenantId)}/${ctx.user.userId}/sessions`, { key: ctx.key });
    expect(out.res.status).toBe(200);
    expect(await tokenState(ctx)).toEqual({
      refresh: 'invalid_grant',
      introspection: false,
      userinfo: 401,
      sso: 'login',
    });
    expect((await admin(keyway, 'GET', `${users(ctx.tenantId)}/${ctx.user.userId}/sessions`)).body.items).toEqual([]);
    const otherSessions = await admin(keyway, 'GET', `${users(ctx.tenantId)}/${other.userId}/sessions`);
    expect(otherSessions.body.items).toHaveLength(1);
  });

  it('deleting a user ends everything of theirs and frees the email; their passkeys are removed', async () => {
    const ctx = await signedInWithTokens('users-delete');
    const user = (await admin(keyway, 'GET', `${users(ctx.tenantId)}/${ctx.user.userId}`)).body;
    const deleted = await admin(keyway, 'DELETE', `${users(ctx.tenantId)}/${ctx.user.userId}`, { key: ctx.key });
    expect(deleted.res.status).toBe(200);
    expect((await admin(keyway, 'GET', `${users(ctx.tenantId)}/${ctx.user.userId}`)).res.status).toBe(404);
    expect(await tokenState(ctx)).toEqual({
      refresh: 'invalid_grant',
      introspection: false,
      userinfo: 401,
      sso: 'login',
    });
    expect(await keyway.store.users.listPasskeys(ctx.tenantId, ctx.user.userId)).toEqual([]);
    const reused = await admin(keyway, 'POST', users(ctx.tenantId), { body: { email: user.email } });
    expect(reused.res.status).toBe(201);
  });

  it("lists a user's passkeys (no key material) and removes one; another user's passkey is 404", async () => {
    const { tenantId } = await tenantWithKey(keyway, 'users-passkeys');
    const a = await signedInUser(keyway, tenantId);
    const b = await signedInUser(keyway, tenantId);
    const listed = await admin(keyway, 'GET', `${users(tenantId)}/${a.userId}/passkeys`);
    expect(listed.res.status).toBe(200);
    const [passkey] = listed.body.items as Record<string, unknown>[];
    expect(passkey).toMatchObject({
      id: expect.any(String),
      created_at: expect.any(String),
      backed_up: expect.any(Boolean),
    });
    expect(passkey).toHaveProperty('transports');
    expect(passkey).toHaveProperty('last_used_at');
    expect(JSON.stringify(listed.body)).not.toMatch(/publicKey|counter/);
    const [bKey] = await keyway.store.users.listPasskeys(tenantId, b.userId);
    const wrongOwner = await admin(keyway, 'DELETE', `${users(tenantId)}/${a.userId}/passkeys/${bKey!.credentialId}`);
    expect(wrongOwner.res.status).toBe(404);
    const removed = await admin(keyway, 'DELETE', `${users(tenantId)}/${a.userId}/passkeys/${passkey!.id}`);
    expect(removed.res.status).toBe(200);
    expect((await admin(keyway, 'GET', `${users(tenantId)}/${a.userId}/passkeys`)).body.items).toEqual([]);
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log?limit=1`);
    expect(log.body.items).toEqual([expect.objectContaining({ action: 'passkey.removed' })]);
  });

  it('PATCH moves the email claim: the old address is free, a taken one is 409, and the new one is unverified', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'users-email');
    const a = await admin(keyway, 'POST', users(tenantId), { body: { email: 'a@example.com', email_verified: true } });
    await admin(keyway, 'POST', users(tenantId), { body: { email: 'b@example.com' } });
    const taken = await admin(keyway, 'PATCH', `${users(tenantId)}/${a.body.id}`, { body: { email: 'b@example.com' } });
    expect(taken.res.status).toBe(409);
    const moved = await admin(keyway, 'PATCH', `${users(tenantId)}/${a.body.id}`, { body: { email: 'c@example.com' } });
    expect(moved.body).toMatchObject({ email: 'c@example.com', email_verified: false });
    expect((await admin(keyway, 'POST', users(tenantId), { body: { email: 'a@example.com' } })).res.status).toBe(201);
  });

  it('external_id is unique per tenant, finds its user, moves and clears with PATCH, and is freed by deletion', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'users-external');
    const a = await admin(keyway, 'POST', users(tenantId), { body: { email: 'x@example.com', external_id: 'crm-1' } });
    expect(a.body.external_id).toBe('crm-1');
    const taken = await admin(keyway, 'POST', users(tenantId), {
      body: { email: 'y@example.com', external_id: 'crm-1' },
    });
    expect(taken.res.status).toBe(409);
    const bad = await admin(keyway, 'POST', users(tenantId), { body: { email: 'z@example.com', external_id: 'a b' } });
    expect(bad.res.status).toBe(400);
    const found = await admin(keyway, 'GET', `${users(tenantId)}?external_id=crm-1`, { key: null, headers: {} });
    expect(found.res.status).toBe(401);
    const byId = await admin(keyway, 'GET', `${users(tenantId)}?external_id=crm-1`);
    expect((byId.body.items as { id: string }[]).map((u) => u.id)).toEqual([a.body.id]);
    const moved = await admin(keyway, 'PATCH', `${users(tenantId)}/${a.body.id}`, { body: { external_id: 'crm-2' } });
    expect(moved.body.external_id).toBe('crm-2');
    expect((await admin(keyway, 'GET', `${users(tenantId)}?external_id=crm-1`)).body.items).toEqual([]);
    const cleared = await admin(keyway, 'PATCH', `${users(tenantId)}/${a.body.id}`, { body: { external_id: null } });
    expect(cleared.body.external_id).toBeNull();
    const b = await admin(keyway, 'POST', users(tenantId), { body: { email: 'y@example.com', external_id: 'crm-2' } });
    expect(b.res.status).toBe(201);
    await admin(keyway, 'DELETE', `${users(tenantId)}/${b.body.id}`);
    const c = await admin(keyway, 'POST', users(tenantId), { body: { email: 'w@example.com', external_id: 'crm-2' } });
    expect(c.res.status).toBe(201);
  });
});

describe('roles', () => {
  it('custom roles are validated on assignment and appear in the roles claim of access tokens and userinfo', async () => {
    const ctx = await signedInWithTokens('roles-claims');
    const unknown = await admin(keyway, 'PATCH', `${users(ctx.tenantId)}/${ctx.user.userId}`, {
      body: { roles: ['user', 'billing'] },
    });
    expect(unknown.res.status).toBe(400);
    expect(unknown.body.detail).toMatch(/billing/);
    const role = await admin(keyway, 'POST', `/admin/tenants/${ctx.tenantId}/roles`, {
      key: ctx.key,
      body: { name: 'billing', description: 'Sees invoices' },
    });
    expect(role.res.status).toBe(201);
    const assigned = await admin(keyway, 'PATCH', `${users(ctx.tenantId)}/${ctx.user.userId}`, {
      body: { roles: ['user', 'billing'] },
    });
    expect(assigned.body).toMatchObject({ roles: ['user', 'billing'] });

    const { code, verifier } = await getCode(keyway, ctx, ctx.user.cookie);
    const tokens = (await redeem(keyway, ctx, code, verifier)).body;
    expect(decodeJwt(tokens.access_token as string).roles).toEqual(['user', 'billing']);
    const userinfo = await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(((await userinfo.json()) as { roles: string[] }).roles).toEqual(['user', 'billing']);

    const listed = await admin(keyway, 'GET', `/admin/tenants/${ctx.tenantId}/roles`);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'owner', built_in: true }),
        expect.objectContaining({ name: 'billing', built_in: false, users: 1 }),
      ]),
    );
  });

  it('a role is refused deletion while assigned (409); built-in roles cannot be deleted; names are unique', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'roles-delete');
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/roles`, { body: { name: 'support' } });
    expect(
      (await admin(keyway, 'POST', `/admin/tenants/${tenantId}/roles`, { body: { name: 'support' } })).res.status,
    ).toBe(409);
    expect(
      (await admin(keyway, 'POST', `/admin/tenants/${tenantId}/roles`, { body: { name: 'admin' } })).res.status,
    ).toBe(400);
    const user = await admin(keyway, 'POST', users(tenantId), { body: { email: 'r@example.com', roles: ['support'] } });
    expect((await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/roles/support`)).res.status).toBe(409);
    await admin(keyway, 'PATCH', `${users(tenantId)}/${user.body.id}`, { body: { roles: ['user'] } });
    expect((await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/roles/support`)).res.status).toBe(200);
    expect((await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/roles/support`)).res.status).toBe(404);
    expect((await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/roles/owner`)).res.status).toBe(400);
  });
});
