import { randomBytes, randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { ADMIN_KEY, createTenant } from './keyway.ts';
import { basicCredentials, pkcePair, seedSignedInUser } from './shared-fixtures.ts';

export const REDIRECT_URI = 'https://app.example.com/callback';

export interface TestClient {
  client_id: string;
  client_secret?: string;
}

export async function registerClient(keyway: LocalKeyway, tenantId: string, metadata: Record<string, unknown> = {}) {
  const res = await fetch(`${keyway.url}/admin/tenants/${tenantId}/clients`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: ['https://app.example.com/bye'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      client_name: 'Test app',
      ...metadata,
    }),
  });
  if (res.status !== 201) throw new Error(`client registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TestClient & Record<string, unknown>;
}

/** A tenant with one confidential client. */
export async function setupTenant(keyway: LocalKeyway, settings: Record<string, unknown> = {}) {
  const id = `t-${randomBytes(4).toString('hex')}`;
  const { res } = await createTenant(keyway, { name: `Tenant ${id}`, plan: 'free', id, settings });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status}`);
  const client = await registerClient(keyway, id);
  return { tenantId: id, issuer: `${keyway.baseUrl}/${id}`, client };
}

/** A user with a passkey and a live SSO session, created through the store; returns the session cookie. */
export async function signedInUser(keyway: LocalKeyway, tenantId: string, email = `${randomUUID()}@example.com`) {
  return seedSignedInUser(keyway.store, tenantId, { email });
}

export function basicAuth(client: TestClient): string {
  return basicCredentials(client.client_id, client.client_secret ?? '');
}

/** Runs authorize with an existing session (single sign-on) and returns the redirect it answers with. */
export async function authorize(
  keyway: LocalKeyway,
  tenantId: string,
  params: Record<string, string>,
  cookie?: string,
) {
  const url = new URL(`${keyway.url}/${tenantId}/authorize`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const location = res.headers.get('location');
  return { res, location: location ? new URL(location, keyway.url) : undefined };
}

/**
 * Answers the consent page at `location` (where authorize or a sign-in sent the browser) as a person would: opens it
 * with the browser's cookies, then presses Allow or Deny. Returns the page and the redirect the answer got.
 */
export async function answerConsentPage(
  keyway: LocalKeyway,
  location: URL,
  cookie: string,
  decision: 'allow' | 'deny' = 'allow',
) {
  const page = await fetch(new URL(`${location.pathname}${location.search}`, keyway.url), {
    redirect: 'manual',
    headers: { cookie },
  });
  const html = await page.text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  const interaction = field('interaction');
  const csrf = field('csrf');
  if (page.status !== 200 || !interaction || !csrf) throw new Error(`no consent page at ${location}: ${page.status}`);
  const res = await fetch(new URL(location.pathname, keyway.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ interaction, csrf, decision }),
  });
  const answer = res.headers.get('location');
  return { page: html, res, location: answer ? new URL(answer) : undefined };
}

/** The `name=value` pairs of a response's Set-Cookie headers, joined for a Cookie header. */
export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/**
 * A code minted through the real authorize endpoint (SSO path). Where the client asks first (`offline_access`, a
 * third-party client: the consent page), the user allows it, as once per user and client in a browser.
 */
export async function getCode(
  keyway: LocalKeyway,
  ctx: { tenantId: string; client: TestClient },
  cookie: string,
  extra: Record<string, string> = {},
) {
  const { verifier, challenge } = pkcePair();
  let { res, location } = await authorize(
    keyway,
    ctx.tenantId,
    {
      response_type: 'code',
      client_id: ctx.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email offline_access',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      nonce: 'n-1',
      ...extra,
    },
    cookie,
  );
  if (location?.pathname === `/${ctx.tenantId}/consent`)
    ({ location } = await answerConsentPage(keyway, location, `${cookie}; ${cookiesOf(res)}`));
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return { code, verifier };
}

export async function tokenRequest(
  keyway: LocalKeyway,
  tenantId: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${keyway.url}/${tenantId}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

export async function redeem(
  keyway: LocalKeyway,
  ctx: { tenantId: string; client: TestClient },
  code: string,
  verifier: string,
) {
  return tokenRequest(
    keyway,
    ctx.tenantId,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    { Authorization: basicAuth(ctx.client) },
  );
}

/**
 * RFC 8628 polls are paced by the store (slow_down before the interval): lets the next poll of `deviceCode` be on time
 * without waiting out the interval.
 */
export async function makeDevicePollDue(keyway: LocalKeyway, tenantId: string, deviceCode: string): Promise<void> {
  await keyway.store.table.doc.send(
    new UpdateCommand({
      TableName: keyway.store.table.name,
      Key: keys.deviceCode(tenantId, sha256(deviceCode)),
      UpdateExpression: 'SET nextPollAtMs = :zero',
      ExpressionAttributeValues: { ':zero': 0 },
    }),
  );
}
