import { randomBytes } from 'node:crypto';
import type { Store } from '../../lambdas/core/store/store.ts';
import { basicCredentials, pkcePair, seedSignedInUser } from '../../test/support/shared-fixtures.ts';
import { pool } from './stats.ts';

/**
 * The bench's tenant on the Keyway server, seeded the way an operator and a user would: the tenant and its
 * confidential client through the admin API, a user with a passkey and a live SSO session through the store
 * (a passkey ceremony is not what is measured here). Codes then come from the real authorize endpoint.
 */
export const REDIRECT_URI = 'https://app.example.com/callback';
export const POST_LOGOUT_URI = 'https://app.example.com/bye';
export const SCOPE = 'openid profile email offline_access';

export interface KeywayFixture {
  readonly url: string;
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly store: Store;
  readonly tenantId: string;
  readonly client: { readonly client_id: string; readonly client_secret: string };
  readonly authorization: string;
  readonly userId: string;
  readonly sessionCookie: string;
}

async function admin(url: string, adminKey: string, path: string, body: unknown) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export async function seedKeyway(options: {
  url: string;
  baseUrl: string;
  adminKey: string;
  store: Store;
}): Promise<KeywayFixture> {
  const { url, baseUrl, adminKey, store } = options;
  const tenantId = `bench-${randomBytes(4).toString('hex')}`;
  await admin(url, adminKey, '/admin/tenants', { name: 'Bench Corp', plan: 'enterprise', id: tenantId });
  const registered = await admin(url, adminKey, `/admin/tenants/${tenantId}/clients`, {
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    client_name: 'Bench app',
  });
  const client = { client_id: registered.client_id as string, client_secret: registered.client_secret as string };

  const user = await seedSignedInUser(store, tenantId, {
    email: `ada-${randomBytes(4).toString('hex')}@example.com`,
    sessionTtlSeconds: 86_400,
  });
  // SCOPE has offline_access, which the consent page asks for once: the user allowed it already, so single sign-on
  // issues codes (after reading the consent).
  await store.consents.grant(tenantId, user.userId, client.client_id, SCOPE.split(' '));
  return {
    url,
    baseUrl,
    adminKey,
    store,
    tenantId,
    client,
    authorization: basicCredentials(client.client_id, client.client_secret),
    userId: user.userId,
    sessionCookie: user.cookie,
  };
}

/** One code from the real authorize endpoint (single sign-on from the user's session), with its PKCE verifier. */
export async function authorizeCode(fx: KeywayFixture): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const url = new URL(`${fx.url}/${fx.tenantId}/authorize`);
  const params = {
    response_type: 'code',
    client_id: fx.client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: fx.sessionCookie } });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  const code = location ? new URL(location, fx.url).searchParams.get('code') : null;
  if (!code) throw new Error(`authorize answered ${res.status} ${location ?? ''} without a code`);
  return { code, verifier };
}

export async function mintKeywayCodes(fx: KeywayFixture, count: number, concurrency = 6) {
  return pool(count, concurrency, () => authorizeCode(fx));
}

/** POST to a token endpoint (ours or the peer's); returns the parsed JSON body. */
export async function tokenCall(
  tokenUrl: string,
  authorization: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: authorization },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Redeems codes at a token endpoint; returns the token responses (each must be a 200). */
export async function redeemCodes(
  tokenUrl: string,
  authorization: string,
  redirectUri: string,
  codes: readonly { code: string; verifier: string }[],
  concurrency = 6,
): Promise<Record<string, unknown>[]> {
  return pool(codes.length, concurrency, async (i) => {
    const { code, verifier } = codes[i]!;
    const { status, body } = await tokenCall(tokenUrl, authorization, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    if (status !== 200) throw new Error(`code redemption failed: ${status} ${JSON.stringify(body)}`);
    return body;
  });
}

/** RFC 8693 identifiers. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The form of one token exchange: the authenticated client acts for the subject token's user. */
export function tokenExchangeForm(subjectToken: string): Record<string, string> {
  return { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE };
}

/** A client registered through the admin API, with its Basic credentials. */
export interface RegisteredClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly authorization: string;
}

/**
 * The machine grants' clients, registered through the admin API: a backend service that gets tokens for itself
 * (client_credentials only), and two agents that may also act for users (token exchange, RFC 8693; the
 * `token_exchange` policy is what allows it: any of the subject's scopes, at most 300 s). The second agent is for a
 * delegation of a delegation.
 */
export interface MachineFixture {
  readonly service: RegisteredClient;
  readonly agents: readonly [RegisteredClient, RegisteredClient];
}

/** How long a delegated token may live, in the agents' policy. */
export const AGENT_MAX_LIFETIME = 300;

export async function seedMachineClients(fx: KeywayFixture): Promise<MachineFixture> {
  const register = async (body: Record<string, unknown>): Promise<RegisteredClient> => {
    const c = await admin(fx.url, fx.adminKey, `/admin/tenants/${fx.tenantId}/clients`, {
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      ...body,
    });
    const client_id = c.client_id as string;
    const client_secret = c.client_secret as string;
    return { client_id, client_secret, authorization: basicCredentials(client_id, client_secret) };
  };
  const agent = (name: string) =>
    register({
      client_name: name,
      grant_types: ['client_credentials', TOKEN_EXCHANGE_GRANT],
      client_type: 'agent',
      token_exchange: { max_lifetime: AGENT_MAX_LIFETIME },
    });
  const service = await register({ client_name: 'Bench service', grant_types: ['client_credentials'] });
  const agents = [await agent('Bench agent'), await agent('Bench sub-agent')] as const;
  return { service, agents };
}

/** A user's access token from a real code redemption (the bench app's; it lives the tenant's 900 s). */
export async function userAccessToken(fx: KeywayFixture): Promise<string> {
  const codes = await mintKeywayCodes(fx, 1, 1);
  const [issued] = await redeemCodes(`${fx.url}/${fx.tenantId}/token`, fx.authorization, REDIRECT_URI, codes, 1);
  return issued!.access_token as string;
}

/** One token exchange (RFC 8693) by `authorization`'s client for `subjectToken`'s user; the response must be a 200. */
export async function exchangeToken(
  fx: KeywayFixture,
  authorization: string,
  subjectToken: string,
): Promise<Record<string, unknown>> {
  const { status, body } = await tokenCall(
    `${fx.url}/${fx.tenantId}/token`,
    authorization,
    tokenExchangeForm(subjectToken),
  );
  if (status !== 200) throw new Error(`token exchange failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** A JWT's payload, unverified (the bench reads what it was issued). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
