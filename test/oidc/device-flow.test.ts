import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import {
  makeDevicePollDue,
  registerClient,
  setupTenant,
  signedInUser,
  type TestClient,
  tokenRequest,
} from '../support/oidc.ts';

/*
 * RFC 8628 against the local server: the device's two endpoints driven with fetch, the user's part on the device page
 * with a signed-in browser's cookie (test/e2e/passkey-oidc.test.ts drives the same page in Chromium).
 */
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let tv: TestClient;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  // A TV app: public (it cannot keep a secret), no redirect URIs.
  tv = await registerClient(keyway, ctx.tenantId, {
    redirect_uris: [],
    grant_types: [DEVICE_CODE, 'refresh_token'],
    token_endpoint_auth_method: 'none',
    client_name: 'Living-room TV',
  });
});
afterAll(async () => keyway?.stop());

async function startDevice(scope = 'openid email offline_access') {
  const res = await fetch(`${keyway.url}/${ctx.tenantId}/device_authorization`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: tv.client_id, scope }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string | number>;
}

const poll = (deviceCode: string, client = tv) =>
  tokenRequest(keyway, ctx.tenantId, { grant_type: DEVICE_CODE, device_code: deviceCode, client_id: client.client_id });

const pollNow = (deviceCode: string) => makeDevicePollDue(keyway, ctx.tenantId, deviceCode);

function devicePage(cookie: string, userCode?: string) {
  const url = new URL(`${keyway.url}/${ctx.tenantId}/device`);
  if (userCode !== undefined) url.searchParams.set('user_code', userCode);
  return fetch(url, { headers: { cookie }, redirect: 'manual' });
}

/** The answer form as the page posts it: its session-bound token (from the page), and the Origin browsers send. */
async function answer(
  cookie: string,
  userCode: string,
  decision: string,
  overrides: { origin?: string; csrf?: string } = {},
) {
  const shown = await (await devicePage(cookie, userCode)).text();
  const csrf = overrides.csrf ?? /name="csrf" value="([^"]+)"/.exec(shown)?.[1] ?? '';
  return fetch(`${keyway.url}/${ctx.tenantId}/device`, {
    method: 'POST',
    headers: { cookie, origin: overrides.origin ?? 'null', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: userCode, decision, csrf }),
    redirect: 'manual',
  });
}

describe('device authorization grant (RFC 8628)', () => {
  it('§3.2: answers with a device code, an 8-letter user code shown XXXX-XXXX, the hosted verification URIs, expires_in and interval', async () => {
    const body = await startDevice();
    expect(body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(body.verification_uri).toBe(`${ctx.issuer}/device`);
    expect(body.verification_uri_complete).toBe(`${ctx.issuer}/device?user_code=${body.user_code}`);
    expect(body).toMatchObject({ expires_in: 600, interval: 5 });
    expect(String(body.device_code).length).toBeGreaterThanOrEqual(43);
    const discovery = await (await fetch(`${ctx.issuer}/.well-known/openid-configuration`)).json();
    expect(discovery.device_authorization_endpoint).toBe(`${ctx.issuer}/device_authorization`);
    expect(discovery.grant_types_supported).toContain(DEVICE_CODE);
  });

  it('§3.5: authorization_pending, then slow_down when polled too soon; approved on the page, one poll gets the tokens, the next is invalid_grant', async () => {
    const started = (await startDevice()) as Record<string, string>;
    const device_code = started.device_code!;
    const user_code = started.user_code!;
    expect((await poll(device_code)).body.error).toBe('authorization_pending');
    expect((await poll(device_code)).body.error).toBe('slow_down');

    const user = await signedInUser(keyway, ctx.tenantId);
    // §6.1: lower case and without the dash is the same code.
    const typed = user_code.replace('-', '').toLowerCase();
    const confirm = await devicePage(user.cookie, typed);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('Living-room TV');
    expect(html).toContain(user_code);
    expect((await answer(user.cookie, typed, 'approve')).status).toBe(200);

    await pollNow(device_code);
    const granted = await poll(device_code);
    expect(granted.res.status).toBe(200);
    expect(decodeJwt(granted.body.access_token as string)).toMatchObject({ sub: user.userId, client_id: tv.client_id });
    expect(granted.body.refresh_token).toBeTruthy();
    expect(granted.body.id_token).toBeTruthy();
    await pollNow(device_code);
    expect((await poll(device_code)).body.error).toBe('invalid_grant');
    // A refresh works like any family's.
    const refreshed = await tokenRequest(keyway, ctx.tenantId, {
      grant_type: 'refresh_token',
      refresh_token: granted.body.refresh_token as string,
      client_id: tv.client_id,
    });
    expect(refreshed.res.status).toBe(200);
  });

  it('§3.5: a denied request is access_denied; an expired one expired_token; another client’s poll invalid_grant', async () => {
    const denied = (await startDevice()) as Record<string, string>;
    const user = await signedInUser(keyway, ctx.tenantId);
    expect((await answer(user.cookie, denied.user_code!, 'deny')).status).toBe(200);
    expect((await poll(denied.device_code!)).body.error).toBe('access_denied');

    const expired = (await startDevice()) as Record<string, string>;
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.deviceCode(ctx.tenantId, sha256(expired.device_code!)),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await poll(expired.device_code!)).body.error).toBe('expired_token');
    expect((await devicePage(user.cookie, expired.user_code)).status).toBe(400);

    const other = await registerClient(keyway, ctx.tenantId, {
      redirect_uris: [],
      grant_types: [DEVICE_CODE],
      token_endpoint_auth_method: 'none',
    });
    const mine = (await startDevice()) as Record<string, string>;
    expect((await poll(mine.device_code!, other)).body.error).toBe('invalid_grant');
  });

  it('the device page sends a browser without a session to the passkey sign-in, and refuses a cross-site answer', async () => {
    const { user_code } = (await startDevice()) as Record<string, string>;
    const anonymous = await devicePage('', user_code);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(new RegExp(`^${ctx.issuer}/login\\?interaction=`));

    const user = await signedInUser(keyway, ctx.tenantId);
    // Another site's form: it cannot know the session-bound token, and it would carry its own Origin.
    expect((await answer(user.cookie, user_code!, 'approve', { csrf: '' })).status).toBe(403);
    expect((await answer(user.cookie, user_code!, 'approve', { csrf: 'guess' })).status).toBe(403);
    expect((await answer(user.cookie, user_code!, 'approve', { origin: 'https://evil.example' })).status).toBe(403);
    // Nothing was recorded: the user can still answer from the page itself.
    expect((await answer(user.cookie, user_code!, 'approve', { origin: new URL(ctx.issuer).origin })).status).toBe(200);
    // Answered once: a second answer is refused.
    const again = await fetch(`${keyway.url}/${ctx.tenantId}/device`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: user_code!, decision: 'deny', csrf: 'x' }),
    });
    expect(again.status).toBe(400);
  });

  it('an unknown or malformed code shows the entry page again with an error (400), never a 500', async () => {
    const user = await signedInUser(keyway, ctx.tenantId);
    for (const code of ['BCDF-GHJK', 'AAAA-AAAA', 'short', '<script>', 'x'.repeat(5000)]) {
      const res = await devicePage(user.cookie, code);
      expect(res.status, code).toBe(400);
      const html = await res.text();
      expect(html).toContain('That code is not valid');
      expect(html).not.toContain('<script>');
    }
    const entry = await devicePage(user.cookie);
    expect(entry.status).toBe(200);
    expect(await entry.text()).toContain('Enter the code shown on your device');
  });

  it('RFC 8628 §3.1: a client not registered for the grant is unauthorized_client; scopes are checked as at authorize', async () => {
    const post = (client: string, scope: string) =>
      fetch(`${keyway.url}/${ctx.tenantId}/device_authorization`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: client, scope }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const web = await post(ctx.client.client_id, 'openid');
    // The web app is confidential: without its secret it is not even authenticated.
    expect(web.body.error).toBe('invalid_client');
    const noGrant = await registerClient(keyway, ctx.tenantId, { token_endpoint_auth_method: 'none' });
    expect((await post(noGrant.client_id, 'openid')).body.error).toBe('unauthorized_client');
    expect((await post(tv.client_id, 'openid admin')).body.error).toBe('invalid_scope');
  });
});
