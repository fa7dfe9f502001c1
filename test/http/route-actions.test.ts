import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountCsrf } from '../../lambdas/core/account/account.ts';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { SESSION_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import { authOf, type DynamoDbAction, isTenantScoped, routes } from '../../lambdas/routes.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { currentRoute, matchRoute } from '../../local/server.ts';
import { ADMIN_CALLS_IN_RUNNABLE_ORDER, SAMPLE_BODIES, samplePathParams } from '../admin/samples.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  postPage,
  proveEmail,
  registerPasskey,
  signUp,
  startInteraction,
} from '../passkeys/fixtures.ts';
import { admin, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  authorize,
  basicAuth,
  getCode,
  makeDevicePollDue,
  REDIRECT_URI,
  redeem,
  registerClient,
  setupTenant,
  signedInUser,
  type TestClient,
  tokenRequest,
} from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';
import type { SoftAuthenticator } from '../support/soft-authenticator.ts';

/*
 * The route table's `access.dynamodb` (what lib/api.ts grants each function in AWS) against what the handlers really
 * send. Every route is driven through the local server with real requests, success and error paths; every command its
 * handler sends on the store's document client is recorded under the route (local/server.ts runs each handler inside
 * `currentRoute`). The last test asserts, per route, recorded = declared: an action sent but not declared would be
 * AccessDenied in AWS, one declared but never sent is a grant nobody needs (or a path this file does not drive yet).
 * The local webhook dispatcher has a document client of its own (local/app.ts) and is no route: it is not recorded.
 */

/** Single-request commands of the document client → the IAM action that authorizes them. */
const COMMAND_ACTIONS: Readonly<Record<string, DynamoDbAction>> = {
  GetCommand: 'GetItem',
  BatchGetCommand: 'BatchGetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  ScanCommand: 'Scan',
  BatchWriteCommand: 'BatchWriteItem',
};
/** TransactWriteItems is authorized per item. */
const TRANSACTION_ITEM_ACTIONS: Readonly<Record<string, DynamoDbAction>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

type Command = { constructor: { name: string }; input: Record<string, unknown> };

const RATE_COUNTER = 'UpdateItem on a rate-limit counter';

/** The actions one command needs; anything unforeseen comes back as a description that matches no declared action. */
function actionsOf(command: Command): string[] {
  const name = command.constructor.name;
  const { input } = command;
  if (name === 'TransactWriteCommand')
    return (input.TransactItems as Record<string, unknown>[]).flatMap((item) =>
      Object.keys(item).map((kind) => TRANSACTION_ITEM_ACTIONS[kind] ?? `TransactWriteItems item ${kind}`),
    );
  // The rate limiter's counters: granted to every tenant-scoped route apart from `access` (lib/api.ts), on
  // `T#…#RL#…` partition keys only.
  if (name === 'UpdateCommand' && String((input.Key as { pk?: unknown } | undefined)?.pk).includes('#RL#'))
    return [RATE_COUNTER];
  if (name === 'QueryCommand') return [input.IndexName === undefined ? 'Query' : `Query:${String(input.IndexName)}`];
  if (input.IndexName !== undefined) return [`${name} on index ${String(input.IndexName)}`];
  return [COMMAND_ACTIONS[name] ?? `unmapped ${name}`];
}

/** route id → action → how many times it was sent. */
const sent = new Map<string, Map<string, number>>();
/** route id → `METHOD status` of every request that reached it. */
const requests = new Map<string, Set<string>>();
const compiled = routes.map((route) => {
  const segments = route.path.split('/').filter(Boolean);
  return { route, segments, staticCount: segments.filter((s) => !s.startsWith('{')).length };
});

/** `{route or -} {action}` of each call on the local webhook queue's and dispatcher's own document client. */
const dispatcherCalls = new Set<string>();

let keyway: LocalKeyway;
const realFetch = globalThis.fetch;
const restore: (() => void)[] = [];

beforeAll(async () => {
  // Limits no test here reaches, so every tenant-scoped request is counted and none refused.
  const generous = { rate: 400, routes: {}, perSource: {} };
  keyway = await startTestKeyway({ rateLimits: { free: generous, pro: generous, enterprise: generous } });
  const wrap = (doc: LocalKeyway['store']['table']['doc'], record: (command: Command) => void) => {
    const send = doc.send.bind(doc);
    doc.send = ((command: Command, ...rest: unknown[]) => {
      record(command);
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof doc.send;
    restore.push(() => {
      doc.send = send;
    });
  };
  wrap(keyway.store.table.doc, (command) => {
    const route = currentRoute.getStore();
    if (route === undefined) return; // the test's own set-up and checks
    const counts = sent.get(route) ?? new Map<string, number>();
    for (const action of actionsOf(command)) counts.set(action, (counts.get(action) ?? 0) + 1);
    sent.set(route, counts);
  });
  // The local queue and dispatcher have a client of their own (in AWS: SQS, and a Lambda function of its own).
  const dispatcherDoc = (keyway.webhookQueue as unknown as { table: LocalKeyway['store']['table'] }).table.doc;
  expect(dispatcherDoc).not.toBe(keyway.store.table.doc);
  wrap(dispatcherDoc, (command) => {
    for (const action of actionsOf(command)) dispatcherCalls.add(`${currentRoute.getStore() ?? '-'} ${action}`);
  });
  // Which route (and method) each request of this file reached, and how it answered.
  const origin = new URL(keyway.url).origin;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await realFetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const match = url.origin === origin ? matchRoute(compiled, url.pathname) : undefined;
    if (match) {
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const seen = requests.get(match.route.id) ?? new Set<string>();
      seen.add(`${method} ${res.status}`);
      requests.set(match.route.id, seen);
    }
    return res;
  };
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  for (const undo of restore) undo();
  await keyway?.stop();
});

const hex = () => randomBytes(4).toString('hex');
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${keyway.url}${path}`, { redirect: 'manual', headers });
const postForm = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${keyway.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });

/** A code for `cookie`'s user redeemed at the token endpoint: access, ID and refresh token of a new family. */
async function tokensFor(ctx: { tenantId: string; client: TestClient }, cookie: string) {
  const { code, verifier } = await getCode(keyway, ctx, cookie);
  const { res, body } = await redeem(keyway, ctx, code, verifier);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as { access_token: string; id_token: string; refresh_token: string };
}

describe('OpenID Connect endpoints', () => {
  let ctx: Awaited<ReturnType<typeof setupTenant>>;
  let user: Awaited<ReturnType<typeof signedInUser>>;
  const appOrigin = new URL(REDIRECT_URI).origin;

  beforeAll(async () => {
    ctx = await setupTenant(keyway);
    user = await signedInUser(keyway, ctx.tenantId);
  });

  it('discovery (all three addresses) and JWKS: a tenant, and an unknown one', async () => {
    expect((await get(`/${ctx.tenantId}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await get(`/${ctx.tenantId}/.well-known/jwks.json`)).status).toBe(200);
    expect((await get(`/.well-known/oauth-authorization-server/${ctx.tenantId}`)).status).toBe(200);
    expect((await get(`/.well-known/openid-configuration/${ctx.tenantId}`)).status).toBe(200);
    expect((await get(`/.well-known/oauth-authorization-server/no-such-${hex()}`)).status).toBe(404);
    expect((await get(`/.well-known/openid-configuration/no-such-${hex()}`)).status).toBe(404);
    expect((await get(`/no-such-${hex()}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await get(`/no-such-${hex()}/.well-known/jwks.json`)).status).toBe(404);
  });

  it('authorize: single sign-on (GET and POST), a new sign-in, prompt=none, an unknown client', async () => {
    await getCode(keyway, ctx, user.cookie);
    const { challenge } = pkcePair();
    const params = {
      response_type: 'code',
      client_id: ctx.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
    };
    const posted = await postForm(`/${ctx.tenantId}/authorize`, params, { cookie: user.cookie });
    expect(posted.status).toBe(302);
    expect(new URL(posted.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    // No session: an interaction for the hosted pages, and the browser-binding cookie.
    const fresh = await authorize(keyway, ctx.tenantId, params);
    expect(fresh.location?.pathname).toBe(`/${ctx.tenantId}/login`);
    const browser = fresh.res.headers.getSetCookie()[0]!.split(';')[0]!;
    const interaction = fresh.location!.searchParams.get('interaction')!;
    expect((await get(`/${ctx.tenantId}/login?interaction=${interaction}`, { cookie: browser })).status).toBe(200);
    expect((await get(`/${ctx.tenantId}/signup?interaction=${interaction}`, { cookie: browser })).status).toBe(200);
    const none = await authorize(keyway, ctx.tenantId, { ...params, prompt: 'none' });
    expect(none.location?.searchParams.get('error')).toBe('login_required');
    const unknown = await authorize(keyway, ctx.tenantId, { ...params, client_id: 'nobody' });
    expect(unknown.res.status).toBe(400);
    // prompt=select_account: the choice page, then Continue ends its interaction and issues the code.
    const choice = await authorize(keyway, ctx.tenantId, { ...params, prompt: 'select_account' }, user.cookie);
    const html = await choice.res.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;
    const bound = /^(kw_browser=[^;]+)/.exec(choice.res.headers.get('set-cookie') ?? '')![1]!;
    const form = { interaction: field('interaction'), csrf: field('csrf'), account: field('account'), continue: '1' };
    const chosen = await postForm(`/${ctx.tenantId}/authorize`, form, { cookie: `${user.cookie}; ${bound}` });
    expect(new URL(chosen.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('par: a pushed request, a refused one, the preflight; authorize takes it (RFC 9126)', async () => {
    const { challenge } = pkcePair();
    const request = {
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
    };
    const auth = { Authorization: basicAuth(ctx.client) };
    const pushed = await postForm(`/${ctx.tenantId}/par`, request, auth);
    expect(pushed.status).toBe(201);
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    expect((await postForm(`/${ctx.tenantId}/par`, { ...request, code_challenge_method: 'plain' }, auth)).status).toBe(
      400,
    );
    const preflight = await fetch(`${keyway.url}/${ctx.tenantId}/par`, {
      method: 'OPTIONS',
      headers: { Origin: appOrigin, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    const taken = await authorize(keyway, ctx.tenantId, { client_id: ctx.client.client_id, request_uri }, user.cookie);
    expect(taken.location?.searchParams.get('code')).toBeTruthy();
  });

  it('consent page: asked after single sign-on and after Continue (GET), Allow, Deny, a replayed answer', async () => {
    const partner = await registerClient(keyway, ctx.tenantId, { client_name: 'Partner', first_party: false });
    const ask = async (extra: Record<string, string> = {}) => {
      const { challenge } = pkcePair();
      const query = {
        response_type: 'code',
        client_id: partner.client_id,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'st',
        ...extra,
      };
      const { res, location } = await authorize(keyway, ctx.tenantId, query, user.cookie);
      return { res, location: location!, cookie: `${user.cookie}; ${res.headers.getSetCookie()[0]!.split(';')[0]!}` };
    };
    const answer = async (asked: { location: URL; cookie: string }, decision: string) => {
      const page = await get(`${asked.location.pathname}${asked.location.search}`, { cookie: asked.cookie });
      expect(page.status).toBe(200);
      const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())![1]!;
      const form = { interaction: asked.location.searchParams.get('interaction')!, csrf, decision };
      return { form, res: await postForm(`/${ctx.tenantId}/consent`, form, { cookie: asked.cookie }) };
    };
    const allowed = await answer(await ask(), 'allow');
    expect(new URL(allowed.res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const asked = await ask({ prompt: 'consent' });
    const denied = await answer(asked, 'deny');
    expect(new URL(denied.res.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    expect((await postForm(`/${ctx.tenantId}/consent`, denied.form, { cookie: asked.cookie })).status).toBe(400);
    // prompt=select_account: Continue hands its interaction to the consent page (an UpdateItem).
    const choice = await ask({ prompt: 'select_account consent' });
    const html = await choice.res.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;
    const form = { interaction: field('interaction'), csrf: field('csrf'), account: field('account'), continue: '1' };
    const chosen = await postForm(`/${ctx.tenantId}/authorize`, form, { cookie: choice.cookie });
    expect(new URL(chosen.headers.get('location')!).pathname).toBe(`/${ctx.tenantId}/consent`);
  });

  it('token: code, code replay, refresh rotation, grace re-use, spent grace, bad client, preflight', async () => {
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const first = await redeem(keyway, ctx, code, verifier);
    expect(first.res.status).toBe(200);
    const replay = await redeem(keyway, ctx, code, verifier);
    expect(replay.body.error).toBe('invalid_grant');

    const tokens = await tokensFor(ctx, user.cookie);
    const refresh = (token: string) =>
      tokenRequest(
        keyway,
        ctx.tenantId,
        { grant_type: 'refresh_token', refresh_token: token },
        { Authorization: basicAuth(ctx.client) },
      );
    expect((await refresh(tokens.refresh_token)).res.status).toBe(200); // rotated
    expect((await refresh(tokens.refresh_token)).res.status).toBe(200); // inside the grace window: one successor
    expect((await refresh(tokens.refresh_token)).body.error).toBe('invalid_grant'); // the window's successor is spent

    const wrongSecret = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { Authorization: basicAuth({ client_id: ctx.client.client_id, client_secret: 'wrong' }) },
    );
    expect(wrongSecret.res.status).toBe(401);
    const unsupported = await tokenRequest(
      keyway,
      ctx.tenantId,
      { grant_type: 'password' },
      { Authorization: basicAuth(ctx.client) },
    );
    expect(unsupported.body.error).toBe('unsupported_grant_type');
    const preflight = await fetch(`${keyway.url}/${ctx.tenantId}/token`, {
      method: 'OPTIONS',
      headers: { Origin: appOrigin, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(appOrigin);
  });

  it('token: re-use of a rotated refresh token without a grace window revokes the family', async () => {
    const strict = await setupTenant(keyway, { refreshGraceSeconds: 0 });
    const strictUser = await signedInUser(keyway, strict.tenantId);
    const tokens = await tokensFor(strict, strictUser.cookie);
    const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    const auth = { Authorization: basicAuth(strict.client) };
    expect((await tokenRequest(keyway, strict.tenantId, form, auth)).res.status).toBe(200);
    const reused = await tokenRequest(keyway, strict.tenantId, form, auth);
    expect(reused.body.error_description).toMatch(/already used; the session has been revoked/);
  });

  it('a client_id URL (Client ID Metadata Documents): authorize fetches and caches it, consent, token and revoke read it', async () => {
    // The document on a loopback server (local mode may fetch loopback); the cache item is a GetItem and a PutItem.
    const docs = createServer((req, res) => {
      const url = `http://127.0.0.1:${(docs.address() as { port: number }).port}${req.url}`;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=600' });
      res.end(
        JSON.stringify({
          client_id: url,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
        }),
      );
    });
    await new Promise<void>((r) => docs.listen(0, '127.0.0.1', r));
    try {
      const cimd = await setupTenant(keyway, { clientIdMetadataDocuments: { hosts: ['127.0.0.1'] } });
      const cimdUser = await signedInUser(keyway, cimd.tenantId);
      const client = { client_id: `http://127.0.0.1:${(docs.address() as { port: number }).port}/client.json` };
      const { code, verifier } = await getCode(keyway, { tenantId: cimd.tenantId, client }, cimdUser.cookie);
      const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
      const redeemed = await tokenRequest(keyway, cimd.tenantId, { ...form, client_id: client.client_id });
      expect(redeemed.res.status, JSON.stringify(redeemed.body)).toBe(200);
      const revoked = await postForm(`/${cimd.tenantId}/revoke`, {
        token: String(redeemed.body.refresh_token),
        client_id: client.client_id,
      });
      expect(revoked.status).toBe(200);
    } finally {
      docs.closeAllConnections();
      await new Promise((r) => docs.close(r));
    }
  });

  it('userinfo, introspect, revoke: access and refresh tokens, invalid ones, preflights', async () => {
    const tokens = await tokensFor(ctx, user.cookie);
    const bearer = { Authorization: `Bearer ${tokens.access_token}` };
    expect((await get(`/${ctx.tenantId}/userinfo`, { ...bearer, Origin: appOrigin })).status).toBe(200);
    expect((await postForm(`/${ctx.tenantId}/userinfo`, { access_token: tokens.access_token })).status).toBe(200);
    expect((await get(`/${ctx.tenantId}/userinfo`, { Authorization: 'Bearer not-a-token' })).status).toBe(401);

    const client = { Authorization: basicAuth(ctx.client) };
    const introspect = async (token: string) =>
      (await (await postForm(`/${ctx.tenantId}/introspect`, { token }, client)).json()) as { active: boolean };
    expect((await introspect(tokens.access_token)).active).toBe(true);
    expect((await introspect(tokens.refresh_token)).active).toBe(true);
    expect((await introspect('garbage')).active).toBe(false);

    for (const path of ['userinfo', 'revoke']) {
      const preflight = await fetch(`${keyway.url}/${ctx.tenantId}/${path}`, {
        method: 'OPTIONS',
        headers: { Origin: appOrigin, 'Access-Control-Request-Method': 'POST' },
      });
      expect(preflight.status, path).toBe(204);
    }
    const revoke = (form: Record<string, string>) =>
      postForm(`/${ctx.tenantId}/revoke`, form, { ...client, Origin: appOrigin });
    expect((await revoke({ token: tokens.access_token })).status).toBe(200);
    expect((await revoke({ token: tokens.access_token })).status).toBe(200); // already revoked: nothing changes
    expect((await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await revoke({ token: 'garbage' })).status).toBe(200);
    expect((await introspect(tokens.refresh_token)).active).toBe(false);
  });

  it('end-session: with an id_token_hint, by the confirmation form, without a session, unknown tenant', async () => {
    const hinted = await signedInUser(keyway, ctx.tenantId);
    const tokens = await tokensFor(ctx, hinted.cookie);
    const bye = await get(
      `/${ctx.tenantId}/end-session?${new URLSearchParams({
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: 'https://app.example.com/bye',
        state: 's',
      })}`,
      { cookie: hinted.cookie },
    );
    expect(bye.status).toBe(302);

    const asking = await signedInUser(keyway, ctx.tenantId);
    expect((await get(`/${ctx.tenantId}/end-session`, { cookie: asking.cookie })).status).toBe(200);
    const sid = asking.cookie.slice(`${SESSION_COOKIE}=`.length);
    const confirmed = await postForm(
      `/${ctx.tenantId}/end-session`,
      { confirm: 'yes', csrf: sha256(`keyway:end-session:${sid}`) },
      { cookie: asking.cookie },
    );
    expect(confirmed.status).toBe(200);
    expect(await keyway.store.sessions.findSession(ctx.tenantId, sid)).toBeUndefined();
    expect((await get(`/${ctx.tenantId}/end-session`)).status).toBe(200);
    expect((await get(`/no-such-${hex()}/end-session`)).status).toBe(404);
  });

  it('device flow: a request, the page (entry, an unknown code, sign-in first, the question, the answer), polls', async () => {
    const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
    const tv = await registerClient(keyway, ctx.tenantId, {
      redirect_uris: [],
      grant_types: [DEVICE_CODE],
      token_endpoint_auth_method: 'none',
    });
    const started = await postForm(`/${ctx.tenantId}/device_authorization`, {
      client_id: tv.client_id,
      scope: 'openid',
    });
    expect(started.status).toBe(200);
    const { device_code, user_code } = (await started.json()) as Record<string, string>;
    expect(
      (await postForm(`/${ctx.tenantId}/device_authorization`, { client_id: 'nobody', scope: 'openid' })).status,
    ).toBe(401);
    const poll = () =>
      tokenRequest(keyway, ctx.tenantId, {
        grant_type: DEVICE_CODE,
        device_code: device_code!,
        client_id: tv.client_id,
      });
    expect((await poll()).body.error).toBe('authorization_pending');
    expect((await poll()).body.error).toBe('slow_down');

    expect((await get(`/${ctx.tenantId}/device`)).status).toBe(200);
    expect((await get(`/${ctx.tenantId}/device?user_code=BCDF-GHJK`)).status).toBe(400);
    expect((await get(`/${ctx.tenantId}/device?user_code=${user_code}`)).status).toBe(302);
    const viewer = await signedInUser(keyway, ctx.tenantId);
    expect((await get(`/${ctx.tenantId}/device?user_code=${user_code}`, { cookie: viewer.cookie })).status).toBe(200);
    const sid = viewer.cookie.slice(`${SESSION_COOKIE}=`.length);
    const answered = await postForm(
      `/${ctx.tenantId}/device`,
      { user_code: user_code!, decision: 'approve', csrf: sha256(`keyway:device:${sid}`) },
      { cookie: viewer.cookie },
    );
    expect(answered.status).toBe(200);
    await makeDevicePollDue(keyway, ctx.tenantId, device_code!);
    expect((await poll()).res.status).toBe(200);
  });
});

describe('hosted pages and passkey ceremonies', () => {
  let tenant: Tenant;
  /** The authenticator holding the one passkey the tenant's user signs in with. */
  let signer: SoftAuthenticator;
  const authenticator = () => authenticatorFor(keyway);
  const OPTIONS = '/passkeys/authentication/options';
  const VERIFY = '/passkeys/authentication/verify';

  beforeAll(async () => {
    tenant = await createTenantWithClient(keyway);
    signer = authenticator();
  });

  async function signInOptions(body: Record<string, unknown> = {}) {
    const pending = await startInteraction(keyway, tenant);
    const { res, body: answer } = await postPage(keyway, tenant, OPTIONS, pending, body);
    expect(res.status).toBe(200);
    return {
      pending,
      challengeId: answer.challengeId as string,
      options: answer.options as PublicKeyCredentialRequestOptionsJSON,
    };
  }

  it('sign-up: the first ceremony locks the RP ID; a taken email, a spent challenge, a bad attestation', async () => {
    const done = await signUp(keyway, tenant, signer);
    expect(done.res.status, JSON.stringify(done.body)).toBe(200);
    expect((await keyway.store.tenants.findTenant(tenant.id))?.rpIdLockedAt).toBeDefined();

    // A registered address is sent a note, not a code: whatever is typed is wrong.
    const again = await startInteraction(keyway, tenant);
    const sent = await postPage(keyway, tenant, '/email/code', again, { purpose: 'signup', ...ACCOUNT });
    expect(sent.res.status).toBe(200);
    const wrong = await postPage(keyway, tenant, '/email/code/verify', again, {
      flowId: sent.body.flowId,
      code: '000000',
    });
    expect(wrong.res.status).toBe(400);

    // Where the tenant skips the emailed code, a taken email is found at the final step.
    const open = await createTenantWithClient(keyway, { signUpVerification: 'none' });
    expect((await signUp(keyway, open, authenticator())).res.status).toBe(200);
    const taken = await signUp(keyway, open, authenticator());
    expect(taken.res.status).toBe(409);

    const pending = await startInteraction(keyway, tenant);
    const flowId = await proveEmail(keyway, tenant, pending, {
      purpose: 'signup',
      ...ACCOUNT,
      email: `new-${hex()}@example.com`,
    });
    const options = await postPage(keyway, tenant, '/passkeys/registration/options', pending, { flowId });
    expect(options.res.status).toBe(200);
    const other = authenticator();
    const unknownChallenge = await postPage(keyway, tenant, '/passkeys/registration/verify', pending, {
      challengeId: randomBytes(18).toString('base64url'),
      response: other.create(options.body.options as never),
    });
    expect(unknownChallenge.res.status).toBe(400);
    const wrongOrigin = await postPage(keyway, tenant, '/passkeys/registration/verify', pending, {
      challengeId: options.body.challengeId,
      response: other.create(options.body.options as never, { origin: 'https://evil.example' }),
    });
    expect(wrongOrigin.res.status).toBe(403);
  });

  it('recovery: the page, a code for a known and an unknown address, a new passkey for the account', async () => {
    const pending = await startInteraction(keyway, tenant);
    const page = await get(`/${tenant.id}/recover?interaction=${pending.interaction.id}`, { cookie: pending.cookie });
    expect(page.status).toBe(200);
    const unknown = await postPage(keyway, tenant, '/email/code', pending, {
      purpose: 'recovery',
      email: `nobody-${hex()}@example.com`,
    });
    expect(unknown.res.status).toBe(200);
    const flowId = await proveEmail(keyway, tenant, pending, { purpose: 'recovery', email: ACCOUNT.email });
    const recovered = await registerPasskey(keyway, tenant, authenticator(), pending, { flowId });
    expect(recovered.res.status, JSON.stringify(recovered.body)).toBe(200);
  });

  it('recovery of an address nobody proved: the earlier passkeys and sessions go', async () => {
    const loose = await createTenantWithClient(keyway, { signUpVerification: 'none' });
    const account = { ...ACCOUNT, email: `loose-${hex()}@example.com` };
    expect((await signUp(keyway, loose, authenticator(), account)).res.status).toBe(200);
    const pending = await startInteraction(keyway, loose);
    const flowId = await proveEmail(keyway, loose, pending, { purpose: 'recovery', email: account.email });
    const recovered = await registerPasskey(keyway, loose, authenticator(), pending, { flowId });
    expect(recovered.res.status, JSON.stringify(recovered.body)).toBe(200);
  });

  it('account page: the sign-in first, the page, every change, a re-authentication, an enrollment', async () => {
    const email = `acct-${hex()}@example.com`;
    const done = await signUp(keyway, tenant, authenticator(), { ...ACCOUNT, email });
    const sid = done.res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const cookie = `kw_session=${sid}; ${done.pending.cookie}`;
    const userId = (await keyway.store.users.findUserIdByEmail(tenant.id, email))!;
    const account = `/${tenant.id}/account`;
    expect((await get(account)).status).toBe(303);
    expect((await get(account, { cookie })).status).toBe(200);
    const change = (form: Record<string, string>, who = { sid, cookie }) =>
      postForm(account, { csrf: accountCsrf(who.sid), ...form }, { cookie: who.cookie });
    expect((await change({ action: 'profile', givenName: 'Acc', familyName: 'Ount' })).status).toBe(303);
    const [passkey] = await keyway.store.users.listPasskeys(tenant.id, userId);
    expect(
      (await change({ action: 'rename-passkey', credentialId: passkey!.credentialId, name: 'Phone' })).status,
    ).toBe(303);
    await tokensFor(
      { tenantId: tenant.id, client: { client_id: 'app', redirect_uri: REDIRECT_URI } as never },
      cookie,
    ).catch(() => undefined);
    expect((await change({ action: 'revoke-app', clientId: 'app' })).status).toBeGreaterThanOrEqual(303);
    // An enrollment adds a second passkey and replaces the session.
    const enroll = await change({ action: 'add-passkey' });
    const interactionId = /data-interaction="([^"]+)"/.exec(await enroll.text())![1]!;
    const interaction = (await keyway.store.interactions.findInteraction(tenant.id, interactionId))!;
    const added = await registerPasskey(keyway, tenant, authenticator(), { interaction, cookie }, {});
    expect(added.res.status, JSON.stringify(added.body)).toBe(200);
    const sid2 = added.res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const cookie2 = `kw_session=${sid2}; ${done.pending.cookie}`;
    const who2 = { sid: sid2, cookie: cookie2 };
    expect(
      (await change({ action: 'delete-passkey', credentialId: passkey!.credentialId, confirmLast: 'yes' }, who2))
        .status,
    ).toBe(303);
    // An older sign-in must confirm with its passkey first.
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.session(tenant.id, sha256(sid2)),
        UpdateExpression: 'SET authTime = authTime - :ten',
        ExpressionAttributeValues: { ':ten': 600 },
      }),
    );
    expect((await change({ action: 'sign-out-everywhere' }, who2)).status).toBe(303);
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.session(tenant.id, sha256(sid2)),
        UpdateExpression: 'SET authTime = authTime + :ten',
        ExpressionAttributeValues: { ':ten': 600 },
      }),
    );
    expect((await change({ action: 'sign-out-everywhere' }, who2)).status).toBe(200);
  });

  it('invitation page: a link opened (GET), accepted (POST), spent, unusable', async () => {
    const created = await admin(keyway, 'POST', `/admin/tenants/${tenant.id}/users`, {
      body: { email: `invited-${hex()}@example.com` },
    });
    expect(created.res.status).toBe(201);
    const [mail] = keyway.mailbox.list(String(created.body.email));
    const token = new URL(/^Set up your passkey: (\S+)$/m.exec(mail!.text)![1]!).searchParams.get('token')!;
    expect((await get(`/${tenant.id}/invitation?token=${encodeURIComponent(token)}`)).status).toBe(200);
    expect((await postForm(`/${tenant.id}/invitation`, { token })).status).toBe(200);
    expect((await postForm(`/${tenant.id}/invitation`, { token })).status).toBe(410);
    expect((await get(`/${tenant.id}/invitation?token=nonsense`)).status).toBe(410);
  });

  it('sign-up closed: the page and the options refuse', async () => {
    const closed = await createTenantWithClient(keyway, { signUpOpen: false });
    const pending = await startInteraction(keyway, closed);
    const page = await get(`/${closed.id}/signup?interaction=${pending.interaction.id}`, { cookie: pending.cookie });
    expect(page.status).toBe(403);
    const options = await postPage(keyway, closed, '/passkeys/registration/options', pending, ACCOUNT);
    expect(options.res.status).toBe(403);
    const login = await get(`/${closed.id}/login?interaction=nope`, { cookie: pending.cookie });
    expect(login.status).toBe(400);
  });

  it('sign-in options: discoverable, a known email, an unknown email, a tenant stored before decoy keys', async () => {
    await signInOptions();
    const known = await signInOptions({ email: ACCOUNT.email });
    // The sign-up's passkey and the one the recovery test added.
    expect(known.options.allowCredentials).toHaveLength(2);
    const unknown = await signInOptions({ email: `nobody-${hex()}@example.com` });
    expect(unknown.options.allowCredentials?.length).toBeGreaterThan(0);
    // A tenant written before decoy keys existed gets one on first use (an UpdateItem of the tenant).
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.tenant(tenant.id),
        UpdateExpression: 'REMOVE decoyKey',
      }),
    );
    await signInOptions({ email: `nobody-${hex()}@example.com` });
    expect((await keyway.store.tenants.findTenant(tenant.id))?.decoyKey).toBeDefined();
  });

  it('sign-in verify: success, a spent challenge, an unknown passkey, a bad signature, a suspended account', async () => {
    const ok = await signInOptions();
    const signedIn = await postPage(keyway, tenant, VERIFY, ok.pending, {
      challengeId: ok.challengeId,
      response: signer.get(ok.options),
    });
    expect(signedIn.res.status, JSON.stringify(signedIn.body)).toBe(200);

    const spent = await signInOptions();
    const response = signer.get(spent.options);
    expect(
      (await postPage(keyway, tenant, VERIFY, spent.pending, { challengeId: spent.challengeId, response })).res.status,
    ).toBe(200);
    const again = await startInteraction(keyway, tenant);
    expect(
      (await postPage(keyway, tenant, VERIFY, again, { challengeId: spent.challengeId, response })).res.status,
    ).toBe(400);

    const stranger = authenticator();
    stranger.create({
      rp: { id: 'localhost', name: 'Elsewhere' },
      user: { id: Buffer.from(randomUUID()).toString('base64url'), name: 'x', displayName: 'X' },
      challenge: randomBytes(32).toString('base64url'),
    } as never);
    const strange = await signInOptions();
    const unknownPasskey = await postPage(keyway, tenant, VERIFY, strange.pending, {
      challengeId: strange.challengeId,
      response: stranger.get(strange.options),
    });
    expect(unknownPasskey.res.status).toBe(403);

    const forged = await signInOptions();
    const badSignature = await postPage(keyway, tenant, VERIFY, forged.pending, {
      challengeId: forged.challengeId,
      response: signer.get(forged.options, { challenge: randomBytes(32).toString('base64url') }),
    });
    expect(badSignature.res.status).toBe(403);

    const userId = (await keyway.store.users.findUserIdByEmail(tenant.id, ACCOUNT.email))!;
    const suspend = await admin(keyway, 'PATCH', `/admin/tenants/${tenant.id}/users/${userId}`, {
      body: { suspended: true },
    });
    expect(suspend.res.status).toBe(200);
    const late = await signInOptions();
    const suspended = await postPage(keyway, tenant, VERIFY, late.pending, {
      challengeId: late.challengeId,
      response: signer.get(late.options),
    });
    expect(suspended.res.status).toBe(403);
    expect(suspended.body.detail).toMatch(/suspended/);
  });
});

describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
  it('register with an initial access token, a spent one, open registration; read, update, delete, a bad token', async () => {
    const { tenantId } = await tenantWithKey(keyway, `dcr-${hex()}`);
    const iat = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/initial-access-tokens`, {
      body: { max_uses: 1 },
    });
    const register = (body: unknown, bearer?: string) =>
      fetch(`${keyway.url}/${tenantId}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify(body),
      });
    const metadata = { redirect_uris: [REDIRECT_URI], client_name: 'Registered' };
    const created = await register(metadata, iat.body.token as string);
    expect(created.status).toBe(201);
    const client = (await created.json()) as Record<string, string>;
    expect((await register(metadata, iat.body.token as string)).status).toBe(401);
    expect((await register(metadata)).status).toBe(401);
    await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      body: { settings: { openClientRegistration: true } },
    });
    expect((await register({ ...metadata, token_endpoint_auth_method: 'none' })).status).toBe(201);

    const configuration = (method: string, bearer: string, body?: unknown) =>
      // The URI is under the public base URL; this file records requests to the server's own address.
      fetch(`${keyway.url}/${tenantId}/register/${client.client_id}`, {
        method,
        headers: {
          Authorization: `Bearer ${bearer}`,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const rat = client.registration_access_token!;
    expect((await configuration('GET', rat)).status).toBe(200);
    expect((await configuration('GET', 'kw_rat_wrong')).status).toBe(401);
    const moved = { ...metadata, client_id: client.client_id, redirect_uris: ['https://moved.example.com/cb'] };
    expect((await configuration('PUT', rat, moved)).status).toBe(200);
    expect((await configuration('PUT', rat, { ...moved, client_id: 'other' })).status).toBe(400);
    expect((await configuration('DELETE', rat)).status).toBe(204);
    expect((await configuration('DELETE', rat)).status).toBe(401);
  });
});

describe('step-up actions', () => {
  it('init-auth under a tenant key; authorize takes the token: ALLOW at once, a challenge passed, a challenge cancelled', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, `act-${hex()}`);
    await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      body: { settings: { actions: { 'look-only': { default: 'ALLOW' } } } },
    });
    const client = await registerClient(keyway, tenantId);
    const tenant = (await keyway.store.tenants.findTenant(tenantId))!;
    const phone = authenticatorFor(keyway);
    const email = `act-${hex()}@example.com`;
    await signUp(keyway, tenant, phone, { ...ACCOUNT, email });
    const userId = (await keyway.store.users.findUserIdByEmail(tenantId, email))!;
    const start = async (action: string) => {
      const res = await fetch(`${keyway.url}/${tenantId}/init-auth`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId, action }),
      });
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      const { challenge } = pkcePair();
      return authorize(keyway, tenantId, {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'st',
        token,
      });
    };
    expect((await start('look-only')).location?.searchParams.get('code')).toBeTruthy();
    const challenged = async () => {
      const { res, location } = await start('withdraw');
      const id = location!.searchParams.get('interaction')!;
      const interaction = (await keyway.store.interactions.findInteraction(tenantId, id))!;
      return { interaction, cookie: res.headers.getSetCookie()[0]!.split(';')[0]! };
    };
    const passed = await challenged();
    const options = await postPage(keyway, tenant, '/passkeys/authentication/options', passed, {});
    const verified = await postPage(keyway, tenant, '/passkeys/authentication/verify', passed, {
      challengeId: options.body.challengeId,
      response: phone.get(options.body.options as never),
    });
    expect(new URL(verified.body.redirectTo as string).searchParams.get('code')).toBeTruthy();
    const declined = await challenged();
    const cancelled = await postForm(
      `/${tenantId}/authorize`,
      { interaction: declined.interaction.id, csrf: declined.interaction.csrf, cancel: '1' },
      { cookie: declined.cookie },
    );
    expect(new URL(cancelled.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});

describe('admin API', () => {
  const ordered = ADMIN_CALLS_IN_RUNNABLE_ORDER;

  /** A key of its own per call, so that each route authenticates a key used for the first time (last_used_at). */
  async function freshKey(tenantId: string): Promise<string> {
    const r = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: `k-${hex()}` } });
    expect(r.res.status).toBe(201);
    return r.body.secret as string;
  }

  it('every route and method: a tenant key where one may call it, Idempotency-Keys, a failing request under a key', async () => {
    const { tenantId } = await tenantWithKey(keyway, `acts-${hex()}`);
    const { params, client, user, receiver } = await samplePathParams(keyway, tenantId);
    // A token family of the user: signing out everywhere revokes it.
    await tokensFor({ tenantId, client }, user.cookie);
    for (const { route, method } of ordered) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(params[n]!));
      const key = authOf(route, method) === 'tenant-admin' ? await freshKey(tenantId) : undefined;
      const body = SAMPLE_BODIES[route.id]?.[method];
      const idempotent = method === 'POST' || method === 'PATCH';
      const headers: Record<string, string> = idempotent ? { 'Idempotency-Key': `ok-${hex()}` } : {};
      const r = await admin(keyway, method, path, { key, headers, ...(body ? { body } : {}) });
      expect(r.res.status, `${method} ${route.path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
      if (idempotent) {
        // The key is claimed, the request fails, the claim is released.
        const failed = await admin(keyway, method, path, {
          key,
          headers: { 'Idempotency-Key': `bad-${hex()}` },
          rawBody: '[1,2]',
        });
        expect(failed.res.status, `${method} ${route.path}`).toBe(400);
      }
    }
    // DELETE again: the tenant is gone, its purge runs again.
    const again = await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}`);
    expect(again.res.status).toBe(200);
    expect(again.body.purged).toBe(true);
    await receiver.stop();
  }, 120_000);

  it('paths the samples do not take: roles assigned, suspension, a no-op tenant PATCH, email lookup, feed filters', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, `more-${hex()}`);
    const client = await registerClient(keyway, tenantId);
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/roles`, { key, body: { name: 'billing' } });
    const created = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, {
      key,
      body: { email: `u-${hex()}@example.com`, roles: ['billing'] },
    });
    expect(created.res.status).toBe(201);
    const moved = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}/users/${created.body.id}`, {
      key,
      body: { roles: ['user'] },
    });
    expect(moved.res.status).toBe(200);
    const found = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/users?email=${created.body.email}`, { key });
    expect(found.body.items).toHaveLength(1);

    const person = await signedInUser(keyway, tenantId);
    await tokensFor({ tenantId, client }, person.cookie);
    const suspended = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}/users/${person.userId}`, {
      key,
      body: { suspended: true },
    });
    expect(suspended.res.status).toBe(200);
    expect(await keyway.store.sessions.findSession(tenantId, person.cookie.split('=')[1]!)).toBeUndefined();

    const noop = await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, {
      key,
      body: { settings: { rpId: null } },
    });
    expect(noop.res.status).toBe(200);
    const feed = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/events?types=user.created&limit=5`, { key });
    expect(feed.res.status).toBe(200);
  });
});

// After every test above (vitest runs a file's tests in order): what they recorded, checked as a whole.
describe('the route table', () => {
  it('declares exactly the DynamoDB actions each route sends, and every route and method was exercised', () => {
    const declared = Object.fromEntries(
      routes.map((r) => [r.id, [...r.access.dynamodb, ...(isTenantScoped(r) ? [RATE_COUNTER] : [])].sort()]),
    );
    const recorded = Object.fromEntries(routes.map((r) => [r.id, [...(sent.get(r.id)?.keys() ?? [])].sort()]));
    expect(recorded).toEqual(declared);
    const unexercised = routes.flatMap((r) =>
      r.methods
        .filter((m) => ![...(requests.get(r.id) ?? [])].some((seen) => seen.startsWith(`${m} `)))
        .map((m) => `${m} ${r.path}`),
    );
    expect(unexercised).toEqual([]);
  });

  it("runs the local webhook dispatcher outside every route's context; a route only enqueues (sqs:SendMessage in AWS)", () => {
    const enqueuers = new Set(routes.filter((r) => r.access.webhookQueue).map((r) => r.id));
    const inRoutes = [...dispatcherCalls].filter((call) => !call.startsWith('- '));
    expect(inRoutes.filter((call) => !enqueuers.has(call.split(' ')[0]!) || !call.endsWith(' PutItem'))).toEqual([]);
    expect([...dispatcherCalls].some((call) => call.startsWith('- '))).toBe(true);
  });
});
