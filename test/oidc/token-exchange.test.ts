import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  basicAuth,
  getCode,
  redeem,
  registerClient,
  setupTenant,
  signedInUser,
  type TestClient,
  tokenRequest,
} from '../support/oidc.ts';

/*
 * RFC 8693 token exchange for delegation: agents (confidential clients with a `token_exchange` policy) get tokens to
 * act for a user, `act` says who acts (nested for exchanges of exchanged tokens, §4.1), and revoking any link of the
 * chain — the user's family, a subject or actor token, an acting client, the user — ends every token derived from it.
 */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const INVOICES = 'https://invoices.example.com/api';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let agent: TestClient;
let assistant: TestClient;
let gateway: TestClient;
let plain: TestClient;

const agentClient = (extra: Record<string, unknown> = {}) =>
  registerClient(keyway, ctx.tenantId, {
    redirect_uris: [],
    grant_types: ['client_credentials', TOKEN_EXCHANGE],
    client_type: 'agent',
    token_exchange: {
      scopes: ['openid', 'profile', 'email', 'invoices:read'],
      resources: [INVOICES],
      max_lifetime: 300,
    },
    ...extra,
  });

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  await admin(keyway, 'POST', `/admin/tenants/${ctx.tenantId}/resources`, {
    body: { identifier: INVOICES, name: 'Invoices', scopes: ['invoices:read', 'invoices:write'] },
  });
  agent = await agentClient();
  assistant = await agentClient();
  // Presents its agents' actor tokens: it needs a token_exchange policy of its own for that.
  gateway = await registerClient(keyway, ctx.tenantId, {
    redirect_uris: [],
    grant_types: [TOKEN_EXCHANGE],
    token_exchange: {},
  });
  // May exchange (the grant) but has no policy to act for anyone.
  plain = await registerClient(keyway, ctx.tenantId, {
    redirect_uris: [],
    grant_types: ['client_credentials', TOKEN_EXCHANGE],
  });
});
afterAll(async () => keyway?.stop());

/** A user signed in to the web app: their access and refresh tokens. */
async function userTokens() {
  const user = await signedInUser(keyway, ctx.tenantId);
  const { code, verifier } = await getCode(keyway, ctx, user.cookie);
  const { body } = await redeem(keyway, ctx, code, verifier);
  return { user, access: body.access_token as string, refresh: body.refresh_token as string };
}

function exchange(by: TestClient, form: Record<string, string>) {
  return tokenRequest(
    keyway,
    ctx.tenantId,
    { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN, ...form },
    { Authorization: basicAuth(by) },
  );
}

async function delegated(by: TestClient, subjectToken: string, extra: Record<string, string> = {}) {
  const { res, body } = await exchange(by, { subject_token: subjectToken, ...extra });
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token as string;
}

/** A client_credentials token of `client` (an actor token). */
const clientToken = (client: TestClient) =>
  tokenRequest(keyway, ctx.tenantId, { grant_type: 'client_credentials' }, { Authorization: basicAuth(client) });

const introspect = async (token: string, by: TestClient) => {
  const res = await fetch(`${keyway.url}/${ctx.tenantId}/introspect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(by) },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as Record<string, unknown>;
};
const active = async (token: string, by: TestClient) => (await introspect(token, by)).active;
const userinfoStatus = async (token: string) =>
  (await fetch(`${keyway.url}/${ctx.tenantId}/userinfo`, { headers: { Authorization: `Bearer ${token}` } })).status;

describe('token exchange (RFC 8693)', () => {
  it('§2.2.1: openid-client exchanges a user token for the agent: sub = the user, act = the agent, issued_token_type, no refresh token', async () => {
    const { user, access } = await userTokens();
    const config = await oidc.discovery(
      new URL(ctx.issuer),
      agent.client_id,
      undefined,
      oidc.ClientSecretBasic(agent.client_secret!),
      { execute: [oidc.allowInsecureRequests] },
    );
    expect(config.serverMetadata().grant_types_supported).toContain(TOKEN_EXCHANGE);
    const tokens = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: access,
      subject_token_type: ACCESS_TOKEN,
      scope: 'openid email',
    });
    expect(tokens.issued_token_type).toBe(ACCESS_TOKEN);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ sub: user.userId, act: { sub: agent.client_id }, client_id: agent.client_id });
    expect(claims.scope).toBe('openid email');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(await introspect(tokens.access_token, agent)).toMatchObject({
      active: true,
      sub: user.userId,
      act: { sub: agent.client_id },
    });
    expect(await userinfoStatus(tokens.access_token)).toBe(200);
  });

  it('§2.1: with an actor_token the client it belongs to acts, whoever presents it', async () => {
    const { access } = await userTokens();
    const actor = await clientToken(assistant);
    const token = await delegated(gateway, access, {
      actor_token: actor.body.access_token as string,
      actor_token_type: ACCESS_TOKEN,
    });
    expect(decodeJwt(token)).toMatchObject({ act: { sub: assistant.client_id }, client_id: gateway.client_id });
    // Revoking the actor token ends what was obtained with it (RFC 7009).
    await oidcRevoke(assistant, actor.body.access_token as string);
    expect(await active(token, gateway)).toBe(false);
  });

  it('§4.1: an exchanged token exchanged again nests act; two levels deep, revoking the root grant ends both', async () => {
    const { access, refresh } = await userTokens();
    const first = await delegated(agent, access);
    const second = await delegated(assistant, first);
    expect(decodeJwt(second).act).toEqual({ sub: assistant.client_id, act: { sub: agent.client_id } });
    expect(await active(first, agent)).toBe(true);
    expect(await active(second, assistant)).toBe(true);

    // The user's family is revoked (RFC 7009 on its refresh token): every token derived from it dies with it.
    await oidcRevoke(ctx.client, refresh);
    expect(await active(first, agent)).toBe(false);
    expect(await active(second, assistant)).toBe(false);
    expect(await userinfoStatus(second)).toBe(401);
    const again = await exchange(assistant, { subject_token: first });
    expect(again.body.error).toBe('invalid_request');
  });

  it('deleting the app the user signed in to ends what agents obtained from its tokens', async () => {
    const app = await registerClient(keyway, ctx.tenantId);
    const user = await signedInUser(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, { tenantId: ctx.tenantId, client: app }, user.cookie);
    const tokens = (await redeem(keyway, { tenantId: ctx.tenantId, client: app }, code, verifier)).body;
    const derived = await delegated(agent, tokens.access_token as string);
    expect(decodeJwt(derived)).not.toHaveProperty('roles');
    await admin(keyway, 'DELETE', `/admin/tenants/${ctx.tenantId}/clients/${app.client_id}`);
    expect(await active(derived, agent)).toBe(false);
  });

  it('a delegated token never outlives the actor token it was obtained with', async () => {
    const shortLived = await agentClient({ access_token_lifetime: 120 });
    const { access } = await userTokens();
    const actor = await clientToken(shortLived);
    const token = await delegated(gateway, access, {
      actor_token: actor.body.access_token as string,
      actor_token_type: ACCESS_TOKEN,
    });
    expect(decodeJwt(token).exp).toBeLessThanOrEqual(decodeJwt(actor.body.access_token as string).exp!);
  });

  it("a client without a token_exchange policy may not present another client's actor token", async () => {
    const { access } = await userTokens();
    const actor = await clientToken(assistant);
    const res = await exchange(plain, {
      subject_token: access,
      actor_token: actor.body.access_token as string,
      actor_token_type: ACCESS_TOKEN,
    });
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('deleting the acting client ends its delegated tokens and those derived from them', async () => {
    const doomed = await agentClient();
    const { access } = await userTokens();
    const first = await delegated(doomed, access);
    const second = await delegated(assistant, first);
    await admin(keyway, 'DELETE', `/admin/tenants/${ctx.tenantId}/clients/${doomed.client_id}`);
    expect(await active(second, assistant)).toBe(false);
    expect(await userinfoStatus(first)).toBe(401);
  });

  it('revoking the subject access token, suspending the user or signing them out everywhere ends delegated tokens', async () => {
    const one = await userTokens();
    const fromRevoked = await delegated(agent, one.access);
    await oidcRevoke(ctx.client, one.access);
    expect(await active(fromRevoked, agent)).toBe(false);

    const two = await userTokens();
    const fromSuspended = await delegated(agent, two.access);
    await admin(keyway, 'PATCH', `/admin/tenants/${ctx.tenantId}/users/${two.user.userId}`, {
      body: { suspended: true },
    });
    expect(await active(fromSuspended, agent)).toBe(false);

    const three = await userTokens();
    const fromSignedOut = await delegated(agent, three.access);
    await admin(keyway, 'DELETE', `/admin/tenants/${ctx.tenantId}/users/${three.user.userId}/sessions`);
    expect(await active(fromSignedOut, agent)).toBe(false);
  });

  it('§2.1, §5: scopes only narrow and stay within the policy; another audience only where the policy allows', async () => {
    const { access } = await userTokens();
    // The web app's token has offline_access, which the agent's policy does not: it is left out, not granted.
    expect(decodeJwt(await delegated(agent, access)).scope).toBe('openid profile email');
    expect((await exchange(agent, { subject_token: access, scope: 'openid offline_access' })).body.error).toBe(
      'invalid_scope',
    );
    expect((await exchange(agent, { subject_token: access, scope: 'openid invoices:write' })).body.error).toBe(
      'invalid_scope',
    );
    const forInvoices = await delegated(agent, access, { resource: INVOICES, scope: 'openid' });
    expect(decodeJwt(forInvoices).aud).toBe(INVOICES);
    expect((await exchange(agent, { subject_token: access, audience: 'https://other.example.com' })).body.error).toBe(
      'invalid_target',
    );
  });

  it('§2.2.2: bad requests and invalid or unacceptable tokens are invalid_request, clients that may not act unauthorized_client', async () => {
    const { access } = await userTokens();
    const codes = async (by: TestClient, form: Record<string, string>) => (await exchange(by, form)).body.error;
    expect(await codes(agent, { subject_token: access, subject_token_type: '' })).toBe('invalid_request');
    expect(
      await codes(agent, { subject_token: access, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
    ).toBe('invalid_request');
    expect(
      await codes(agent, {
        subject_token: access,
        requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      }),
    ).toBe('invalid_request');
    expect(await codes(agent, { subject_token: access, actor_token_type: ACCESS_TOKEN })).toBe('invalid_request');
    expect(await codes(agent, { subject_token: 'not-a-token' })).toBe('invalid_request');
    const agentsOwn = await clientToken(agent);
    expect(await codes(agent, { subject_token: agentsOwn.body.access_token as string })).toBe('invalid_request');
    expect(await codes(agent, { subject_token: access, actor_token: access, actor_token_type: ACCESS_TOKEN })).toBe(
      'invalid_request',
    );
    expect(await codes(plain, { subject_token: access })).toBe('unauthorized_client');
    expect(await codes(ctx.client, { subject_token: access })).toBe('unauthorized_client');
  });

  it('a chain is at most three actors deep', async () => {
    const { access } = await userTokens();
    let token = access;
    for (let i = 0; i < 3; i++) token = await delegated(i % 2 === 0 ? agent : assistant, token);
    expect((await exchange(agent, { subject_token: token })).body.error).toBe('invalid_request');
  });
});

async function oidcRevoke(client: TestClient, token: string) {
  const res = await fetch(`${keyway.url}/${ctx.tenantId}/revoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client) },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(200);
}
