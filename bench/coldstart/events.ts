import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { randomToken, sha256 } from '../../lambdas/core/crypto.ts';
import { BROWSER_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import { CSRF_HEADER } from '../../lambdas/core/oidc/sign-in.ts';
import type { EmailFlow } from '../../lambdas/core/store/email-flows.ts';
import type { Interaction } from '../../lambdas/core/store/interactions.ts';
import { commit } from '../../lambdas/core/store/transaction.ts';
import type { User } from '../../lambdas/core/store/users.ts';
import type { Route } from '../../lambdas/routes.ts';
import { pkcePair, seedSignedInUser } from '../../test/support/shared-fixtures.ts';
import { SoftAuthenticator } from '../../test/support/soft-authenticator.ts';
import {
  authorizeCode,
  type KeywayFixture,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  redeemCodes,
  SCOPE,
} from '../lib/keyway-fixtures.ts';

/**
 * One realistic, successful first request per route, as API Gateway would deliver it, for the cold-start runs:
 * every run gets its own event where the request consumes something (a refresh token, a WebAuthn challenge, an
 * interaction), so each fresh process does the full work of its endpoint, DynamoDB round trips included.
 */
export interface RouteEvents {
  readonly events: APIGatewayProxyEvent[];
  /** The status a correct first call answers with. */
  readonly expectStatus: number;
}

interface RequestSpec {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
}

function proxyEvent(route: Route, tenantId: string, spec: RequestSpec): APIGatewayProxyEvent {
  const headers: Record<string, string> = { 'User-Agent': 'keyway-bench', ...spec.headers };
  let body: string | null = null;
  if (spec.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(spec.json);
  } else if (spec.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(spec.form).toString();
  }
  const query = spec.query && Object.keys(spec.query).length > 0 ? spec.query : null;
  const requestId = randomUUID();
  return {
    resource: route.path,
    path: spec.path,
    httpMethod: spec.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    pathParameters: pathParameters(route, spec.path, tenantId),
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: spec.method,
      identity: { sourceIp: '203.0.113.7', userAgent: 'keyway-bench' },
      path: spec.path,
      stage: 'prod',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.id,
      resourcePath: route.path,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** The path parameters API Gateway would pass: the route template's `{name}` segments matched against the path. */
function pathParameters(route: Route, path: string, tenantId: string): Record<string, string> | null {
  const names = route.path.split('/');
  const parts = path.split('/');
  const params: Record<string, string> = {};
  names.forEach((segment, i) => {
    if (segment.startsWith('{')) params[segment.slice(1, -1)] = decodeURIComponent(parts[i] ?? '');
  });
  if (route.path.includes('{tenantId}')) params.tenantId ??= tenantId;
  return Object.keys(params).length > 0 ? params : null;
}

/** A pending sign-in as authorize leaves it: the interaction and the browser-binding cookie. */
async function interaction(fx: KeywayFixture, browser: string): Promise<Interaction> {
  return fx.store.interactions.createInteraction({
    tenantId: fx.tenantId,
    clientId: fx.client.client_id,
    redirectUri: REDIRECT_URI,
    scope: SCOPE,
    state: 'st',
    codeChallenge: pkcePair().challenge,
    browserHash: sha256(browser),
  });
}

/** The code every bench email flow is opened with (the real ones are random and only emailed). */
const EMAIL_CODE = '123456';

/** An address no account and no earlier code has: the per-address code limit and the email claim are per address. */
function freshEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.com`;
}

/** A sign-up's emailed code as POST …/email/code leaves it, for the browser of `pending`, opened by EMAIL_CODE. */
function signUpFlow(fx: KeywayFixture, pending: Interaction, email: string): Promise<EmailFlow> {
  return fx.store.emailFlows.createFlow(
    {
      tenantId: fx.tenantId,
      purpose: 'signup',
      email,
      interactionId: pending.id,
      givenName: 'Ada',
      familyName: 'Lovelace',
    },
    EMAIL_CODE,
  );
}

/** The same after the right code was typed: what passkey registration requires under the default settings. */
async function verifiedSignUpFlow(fx: KeywayFixture, pending: Interaction, email: string): Promise<EmailFlow> {
  const flow = await signUpFlow(fx, pending, email);
  const check = await fx.store.emailFlows.checkCode(fx.tenantId, flow.id, pending.id, EMAIL_CODE);
  if (check.outcome !== 'verified') throw new Error(`email flow ${flow.id}: ${check.outcome}`);
  return check.flow;
}

/** An administrator-created user with an invitation, as POST …/users leaves them; returns the link's token. */
async function invitedUser(fx: KeywayFixture): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const user: User = {
    tenantId: fx.tenantId,
    userId: randomUUID(),
    email: freshEmail('invited'),
    emailVerified: false,
    givenName: 'Grace',
    familyName: 'Hopper',
    roles: ['user'],
    createdAt: now,
  };
  const invitation = fx.store.invitations.issueInvitation(user, now, { newUser: true });
  await commit(fx.store.table, [...fx.store.users.createUser(user), ...invitation.parts]);
  return invitation.token;
}

/** Builds `count` events for every route (the first run of each is a discarded warm-up of the file cache). */
export async function buildColdStartEvents(
  fx: KeywayFixture,
  routes: readonly Route[],
  count: number,
): Promise<Map<string, RouteEvents>> {
  const t = fx.tenantId;
  const tokenUrl = `${fx.url}/${t}/token`;
  const rpId = new URL(fx.baseUrl).hostname;
  const browser = randomToken();
  const browserCookie = `${BROWSER_COOKIE}=${browser}`;
  const page = await interaction(fx, browser);
  // A sign-in done and waiting for the consent page's answer (as completeSignIn leaves it): GET answers nothing.
  const consenting = await fx.store.interactions.createInteraction({
    tenantId: t,
    clientId: fx.client.client_id,
    redirectUri: REDIRECT_URI,
    scope: SCOPE,
    state: 'st',
    codeChallenge: pkcePair().challenge,
    consent: 'unless-granted',
    consentFor: { userId: fx.userId, authTime: Math.floor(Date.now() / 1000), amr: ['hwk', 'user'] },
    browserHash: sha256(browser),
  });
  // Opening an invitation link spends nothing (mail scanners open links): one link serves every run.
  const invitationToken = await invitedUser(fx);

  // Tokens: one redemption for the reusable access and ID tokens, plus a fresh refresh token per token/revoke run.
  const codes = await Promise.all(Array.from({ length: 2 * count + 1 }, () => authorizeCode(fx)));
  const issued = await redeemCodes(tokenUrl, fx.authorization, REDIRECT_URI, codes);
  const [first, ...rest] = issued;
  const accessToken = first!.access_token as string;
  const idToken = first!.id_token as string;
  const refreshForToken = rest.slice(0, count).map((b) => b.refresh_token as string);
  const refreshForRevoke = rest.slice(count).map((b) => b.refresh_token as string);

  // Passkeys: one real registration through the hosted endpoints gives the soft authenticator a credential.
  const authenticator = new SoftAuthenticator(new URL(fx.baseUrl).origin);
  const signUp = await interaction(fx, browser);
  const signUpEmail = await verifiedSignUpFlow(fx, signUp, freshEmail('passkey'));
  const post = async (path: string, pending: Interaction, body: Record<string, unknown>) => {
    const res = await fetch(`${fx.url}/${t}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: browserCookie, [CSRF_HEADER]: pending.csrf },
      body: JSON.stringify({ interaction: pending.id, ...body }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const options = await post('/passkeys/registration/options', signUp, { flowId: signUpEmail.id });
  await post('/passkeys/registration/verify', signUp, {
    challengeId: options.challengeId,
    response: authenticator.create(options.options as never),
  });

  const route = (id: string) => {
    const found = routes.find((r) => r.id === id);
    if (!found) throw new Error(`no route ${id}`);
    return found;
  };
  const pageHeaders = (pending: Interaction) => ({ Cookie: browserCookie, [CSRF_HEADER]: pending.csrf });
  const each = async (id: string, expectStatus: number, spec: (i: number) => Promise<RequestSpec> | RequestSpec) => {
    const events: APIGatewayProxyEvent[] = [];
    for (let i = 0; i < count; i++) events.push(proxyEvent(route(id), t, await spec(i)));
    return [id, { events, expectStatus }] as const;
  };
  const authorizeQuery = () => {
    const { challenge } = pkcePair();
    return {
      response_type: 'code',
      client_id: fx.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      nonce: 'n',
    };
  };
  const bearer = { Authorization: `Bearer ${fx.adminKey}` };
  const adminPost = async (path: string, body: unknown) => {
    const res = await fetch(`${fx.url}${path}`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const admin = `/admin/tenants/${t}`;
  // What the admin routes' events act on: one of each per run where a run consumes it (DELETE), else shared.
  const doomedKeys = await Promise.all(
    Array.from({ length: count }, (_, i) => adminPost(`${admin}/api-keys`, { name: `cold ${i}` })),
  );
  // Dynamic registration: one unlimited initial access token serves every run; a registered client to read back.
  const registrationToken = (await adminPost(`${admin}/initial-access-tokens`, { description: 'cold' }))
    .token as string;
  const doomedTokens = await Promise.all(
    Array.from({ length: count }, () => adminPost(`${admin}/initial-access-tokens`, { max_uses: 1 })),
  );
  const registeredRes = await fetch(`${fx.url}/${t}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${registrationToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: 'Registered' }),
  });
  const registered = (await registeredRes.json()) as Record<string, string>;
  if (registeredRes.status !== 201)
    throw new Error(`POST /register: ${registeredRes.status} ${JSON.stringify(registered)}`);
  const rotated = await adminPost(`${admin}/clients`, { redirect_uris: [REDIRECT_URI], client_name: 'Rotated' });
  const tv = await adminPost(`${admin}/clients`, {
    redirect_uris: [],
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    token_endpoint_auth_method: 'none',
    client_name: 'TV',
  });
  const accountHolder = await seedSignedInUser(fx.store, t, {
    email: `cold-account-${randomBytes(4).toString('hex')}@example.com`,
  });
  const people = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      seedSignedInUser(fx.store, t, { email: `cold-${i}-${randomBytes(4).toString('hex')}@example.com` }),
    ),
  );
  const passkeyOf = async (userId: string) => (await fx.store.users.listPasskeys(t, userId))[0]!.credentialId;
  const passkeys = await Promise.all(people.map((p) => passkeyOf(p.userId)));
  const doomedRoles = await Promise.all(
    Array.from({ length: count }, (_, i) => adminPost(`${admin}/roles`, { name: `cold-${i}` })),
  );
  // A subscription to a type nothing emits here, so the local dispatcher stays idle during the runs.
  const webhook = await adminPost(`${admin}/webhooks`, {
    url: 'http://127.0.0.1:9/cold',
    events: ['webhook.disabled'],
  });
  const hook = `${admin}/webhooks/${webhook.id}`;
  const doomedUsers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      adminPost(`${admin}/users`, { email: `gone-${i}-${randomToken(4)}@example.com` }),
    ),
  );

  const entries = [
    await each('admin-tenants', 201, (i) => ({
      method: 'POST',
      path: '/admin/tenants',
      headers: bearer,
      json: { name: `Cold ${i}`, plan: 'free', id: `cold-${randomBytes(4).toString('hex')}-${i}` },
    })),
    await each('discovery', 200, () => ({ method: 'GET', path: `/${t}/.well-known/openid-configuration` })),
    await each('authorization-server-metadata', 200, () => ({
      method: 'GET',
      path: `/.well-known/oauth-authorization-server/${t}`,
    })),
    await each('openid-configuration-path-inserted', 200, () => ({
      method: 'GET',
      path: `/.well-known/openid-configuration/${t}`,
    })),
    await each('jwks', 200, () => ({ method: 'GET', path: `/${t}/.well-known/jwks.json` })),
    await each('admin-clients', 201, () => ({
      method: 'POST',
      path: `/admin/tenants/${t}/clients`,
      headers: bearer,
      json: { redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'] },
    })),
    await each('authorize', 302, () => ({
      method: 'GET',
      path: `/${t}/authorize`,
      query: authorizeQuery(),
      headers: { Cookie: fx.sessionCookie },
    })),
    await each('init-auth', 200, () => ({
      method: 'POST',
      path: `/${t}/init-auth`,
      headers: bearer,
      json: { userId: fx.userId, action: 'cold-start' },
    })),
    await each('par', 201, () => ({
      method: 'POST',
      path: `/${t}/par`,
      headers: { Authorization: fx.authorization },
      form: authorizeQuery(),
    })),
    await each('token', 200, (i) => ({
      method: 'POST',
      path: `/${t}/token`,
      headers: { Authorization: fx.authorization },
      form: { grant_type: 'refresh_token', refresh_token: refreshForToken[i]! },
    })),
    await each('userinfo', 200, () => ({
      method: 'GET',
      path: `/${t}/userinfo`,
      headers: { Authorization: `Bearer ${accessToken}` },
    })),
    await each('revoke', 200, (i) => ({
      method: 'POST',
      path: `/${t}/revoke`,
      headers: { Authorization: fx.authorization },
      form: { token: refreshForRevoke[i]!, token_type_hint: 'refresh_token' },
    })),
    await each('introspect', 200, () => ({
      method: 'POST',
      path: `/${t}/introspect`,
      headers: { Authorization: fx.authorization },
      form: { token: accessToken },
    })),
    await each('end-session', 302, () => ({
      method: 'GET',
      path: `/${t}/end-session`,
      query: { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' },
    })),
    await each('device-authorization', 200, () => ({
      method: 'POST',
      path: `/${t}/device_authorization`,
      form: { client_id: tv.client_id as string, scope: 'openid' },
    })),
    await each('device-page', 200, () => ({ method: 'GET', path: `/${t}/device` })),
    await each('login-page', 200, () => ({
      method: 'GET',
      path: `/${t}/login`,
      query: { interaction: page.id },
      headers: { Cookie: browserCookie },
    })),
    await each('signup-page', 200, () => ({
      method: 'GET',
      path: `/${t}/signup`,
      query: { interaction: page.id },
      headers: { Cookie: browserCookie },
    })),
    await each('recovery-page', 200, () => ({
      method: 'GET',
      path: `/${t}/recover`,
      query: { interaction: page.id },
      headers: { Cookie: browserCookie },
    })),
    await each('consent-page', 200, () => ({
      method: 'GET',
      path: `/${t}/consent`,
      query: { interaction: consenting.id },
      headers: { Cookie: browserCookie },
    })),
    // The signed-in account page of someone whose session no admin event below ends (the admin routes sign people out).
    await each('account-page', 200, () => ({
      method: 'GET',
      path: `/${t}/account`,
      headers: { Cookie: accountHolder.cookie },
    })),
    await each('invitation-page', 200, () => ({
      method: 'GET',
      path: `/${t}/invitation`,
      query: { token: invitationToken },
    })),
    // A new address per run: at most EMAIL_CODES_PER_ADDRESS codes go to one address per window.
    await each('email-code', 200, () => ({
      method: 'POST',
      path: `/${t}/email/code`,
      headers: pageHeaders(page),
      json: {
        interaction: page.id,
        purpose: 'signup',
        email: freshEmail('code'),
        givenName: 'Ada',
        familyName: 'Lovelace',
      },
    })),
    // A flow per run, each answered once with its code.
    await each('email-code-verify', 200, async () => {
      const pending = await interaction(fx, browser);
      const flow = await signUpFlow(fx, pending, freshEmail('verify'));
      return {
        method: 'POST',
        path: `/${t}/email/code/verify`,
        headers: pageHeaders(pending),
        json: { interaction: pending.id, flowId: flow.id, code: EMAIL_CODE },
      };
    }),
    await each('passkey-authentication-options', 200, () => ({
      method: 'POST',
      path: `/${t}/passkeys/authentication/options`,
      headers: pageHeaders(page),
      json: { interaction: page.id },
    })),
    // A sign-in per run: its own interaction and challenge, and an assertion with the next signature counter.
    await each('passkey-authentication-verify', 200, async () => {
      const pending = await interaction(fx, browser);
      const challenge = randomToken();
      const { id: challengeId } = await fx.store.challenges.createChallenge({
        tenantId: t,
        purpose: 'authentication',
        challenge,
        interactionId: pending.id,
      });
      const response = authenticator.get({ challenge, rpId } as never);
      return {
        method: 'POST',
        path: `/${t}/passkeys/authentication/verify`,
        headers: pageHeaders(pending),
        json: { interaction: pending.id, challengeId, response },
      };
    }),
    // A verified email flow per run: the default settings sign up only after the emailed code.
    await each('passkey-registration-options', 200, async () => {
      const pending = await interaction(fx, browser);
      const flow = await verifiedSignUpFlow(fx, pending, freshEmail('new'));
      return {
        method: 'POST',
        path: `/${t}/passkeys/registration/options`,
        headers: pageHeaders(pending),
        json: { interaction: pending.id, flowId: flow.id },
      };
    }),
    // A sign-up per run: its own interaction, verified email flow, challenge and pending account (as the options
    // leave them for that flow), and a new credential.
    await each('passkey-registration-verify', 200, async () => {
      const pending = await interaction(fx, browser);
      const flow = await verifiedSignUpFlow(fx, pending, freshEmail('signup'));
      const challenge = randomToken();
      const userId = flow.userId;
      const now = Math.floor(Date.now() / 1000);
      const { id: challengeId } = await fx.store.challenges.createChallenge({
        tenantId: t,
        purpose: 'registration',
        challenge,
        interactionId: pending.id,
        emailFlowId: flow.id,
        pendingUser: {
          tenantId: t,
          userId,
          email: flow.email,
          emailVerified: true,
          givenName: 'Ada',
          familyName: 'Lovelace',
          roles: ['user'],
          createdAt: now,
        },
      });
      const response = authenticator.create({
        rp: { id: rpId, name: 'Bench Corp' },
        user: { id: Buffer.from(userId, 'utf8').toString('base64url'), name: 'ada', displayName: 'Ada' },
        challenge,
      } as never);
      return {
        method: 'POST',
        path: `/${t}/passkeys/registration/verify`,
        headers: pageHeaders(pending),
        json: { interaction: pending.id, challengeId, response },
      };
    }),
  ];
  entries.push(
    await each('admin-tenant', 200, () => ({ method: 'GET', path: admin, headers: bearer })),
    await each('admin-api-keys', 201, (i) => ({
      method: 'POST',
      path: `${admin}/api-keys`,
      headers: bearer,
      json: { name: `cold key ${i}` },
    })),
    await each('admin-api-key', 200, (i) => ({
      method: 'DELETE',
      path: `${admin}/api-keys/${doomedKeys[i]!.id}`,
      headers: bearer,
    })),
    await each('admin-client', 200, () => ({
      method: 'GET',
      path: `${admin}/clients/${fx.client.client_id}`,
      headers: bearer,
    })),
    await each('admin-client-secret', 200, () => ({
      method: 'POST',
      path: `${admin}/clients/${rotated.client_id}/secret`,
      headers: bearer,
      json: {},
    })),
    await each('admin-users', 201, (i) => ({
      method: 'POST',
      path: `${admin}/users`,
      headers: bearer,
      json: { email: `cold-user-${i}-${randomToken(4)}@example.com` },
    })),
    await each('admin-user', 200, (i) => ({
      method: 'DELETE',
      path: `${admin}/users/${doomedUsers[i]!.id}`,
      headers: bearer,
    })),
    await each('admin-user-passkeys', 200, (i) => ({
      method: 'GET',
      path: `${admin}/users/${people[i]!.userId}/passkeys`,
      headers: bearer,
    })),
    await each('admin-user-passkey', 200, (i) => ({
      method: 'DELETE',
      path: `${admin}/users/${people[i]!.userId}/passkeys/${passkeys[i]}`,
      headers: bearer,
    })),
    await each('admin-user-sessions', 200, (i) => ({
      method: 'DELETE',
      path: `${admin}/users/${people[i]!.userId}/sessions`,
      headers: bearer,
    })),
    // Each run replaces the user's invitation and emails it (SES on loopback).
    await each('admin-user-invitation', 200, (i) => ({
      method: 'POST',
      path: `${admin}/users/${people[i]!.userId}/invitation`,
      headers: bearer,
      json: {},
    })),
    await each('admin-roles', 200, () => ({ method: 'GET', path: `${admin}/roles`, headers: bearer })),
    await each('admin-role', 200, (i) => ({
      method: 'DELETE',
      path: `${admin}/roles/${doomedRoles[i]!.name}`,
      headers: bearer,
    })),
    await each('admin-resources', 200, () => ({ method: 'GET', path: `${admin}/resources`, headers: bearer })),
    // A well-formed id of no resource: the function reads, finds nothing, answers 404.
    await each('admin-resource', 404, () => ({
      method: 'GET',
      path: `${admin}/resources/rs_${'A'.repeat(22)}`,
      headers: bearer,
    })),
    await each('admin-audit-log', 200, () => ({ method: 'GET', path: `${admin}/audit-log`, headers: bearer })),
    await each('admin-platform-audit-log', 200, () => ({ method: 'GET', path: '/admin/audit-log', headers: bearer })),
    await each('admin-openapi', 200, () => ({ method: 'GET', path: '/admin/openapi.json' })),
    await each('admin-webhooks', 200, () => ({ method: 'GET', path: `${admin}/webhooks`, headers: bearer })),
    await each('admin-webhook', 200, () => ({ method: 'GET', path: hook, headers: bearer })),
    await each('admin-webhook-secret', 200, () => ({
      method: 'POST',
      path: `${hook}/rotate-secret`,
      headers: bearer,
      json: {},
    })),
    await each('admin-webhook-test', 202, () => ({ method: 'POST', path: `${hook}/test`, headers: bearer, json: {} })),
    await each('admin-webhook-deliveries', 200, () => ({ method: 'GET', path: `${hook}/deliveries`, headers: bearer })),
    // 404 before the queue: the SQS client (loaded on first send) is not part of this cold start.
    await each('admin-webhook-replay', 404, () => ({
      method: 'POST',
      path: `${hook}/deliveries/dlv_00000000000000000000000000/replay`,
      headers: bearer,
      json: {},
    })),
    await each('admin-webhook-bulk-replay', 202, () => ({
      method: 'POST',
      path: `${hook}/deliveries/replay`,
      headers: bearer,
      json: { since: new Date(Date.now() - 3_600_000).toISOString() },
    })),
    await each('admin-events', 200, () => ({ method: 'GET', path: `${admin}/events`, headers: bearer })),
    await each('admin-initial-access-tokens', 200, () => ({
      method: 'GET',
      path: `${admin}/initial-access-tokens`,
      headers: bearer,
    })),
    await each('admin-initial-access-token', 200, (i) => ({
      method: 'DELETE',
      path: `${admin}/initial-access-tokens/${doomedTokens[i]!.id}`,
      headers: bearer,
    })),
    // A registration per run with the one unlimited token (RFC 7591), and a read of a registered client (RFC 7592).
    await each('register', 201, (i) => ({
      method: 'POST',
      path: `/${t}/register`,
      headers: { Authorization: `Bearer ${registrationToken}` },
      json: { redirect_uris: [REDIRECT_URI], client_name: `Cold ${i}` },
    })),
    await each('client-registration', 200, () => ({
      method: 'GET',
      path: `/${t}/register/${registered.client_id}`,
      headers: { Authorization: `Bearer ${registered.registration_access_token}` },
    })),
  );
  const missing = routes.filter((r) => !entries.some(([id]) => id === r.id)).map((r) => r.id);
  if (missing.length > 0) throw new Error(`no cold-start request for route(s) ${missing.join(', ')}`);
  return new Map(entries);
}
