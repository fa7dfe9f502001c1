import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { authorize, REDIRECT_URI, redeem, registerClient, setupTenant, signedInUser } from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let user: Awaited<ReturnType<typeof signedInUser>>;
const { verifier, challenge } = pkcePair();

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  user = await signedInUser(keyway, ctx.tenantId);
});
afterAll(async () => keyway?.stop());

const base = () => ({
  response_type: 'code',
  client_id: ctx.client.client_id,
  redirect_uri: REDIRECT_URI,
  scope: 'openid email',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  state: 'xyz',
});

function without(params: Record<string, string>, name: string) {
  const { [name]: _, ...rest } = params;
  return rest;
}

async function expectRedirectError(params: Record<string, string>, error: string, cookie?: string) {
  const { res, location } = await authorize(keyway, ctx.tenantId, params, cookie);
  expect(res.status).toBe(302);
  expect(location?.origin + location!.pathname).toBe(REDIRECT_URI);
  expect(location?.searchParams.get('error')).toBe(error);
  expect(location?.searchParams.get('state')).toBe('xyz');
  expect(location?.searchParams.get('iss')).toBe(ctx.issuer);
  expect(location?.searchParams.get('code')).toBeNull();
}

describe('authorize', () => {
  it('SSO: with a session it redirects with code, state and iss (RFC 9207)', async () => {
    const { res, location } = await authorize(keyway, ctx.tenantId, base(), user.cookie);
    expect(res.status).toBe(302);
    expect(location?.searchParams.get('code')).toBeTruthy();
    expect(location?.searchParams.get('state')).toBe('xyz');
    expect(location?.searchParams.get('iss')).toBe(ctx.issuer);
  });

  it('without a session it sends the browser to the hosted sign-in page and binds it with a cookie', async () => {
    const { res, location } = await authorize(keyway, ctx.tenantId, base());
    expect(res.status).toBe(302);
    expect(location?.pathname).toBe(`/${ctx.tenantId}/login`);
    expect(location?.searchParams.get('interaction')).toBeTruthy();
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^kw_browser=/);
    expect(cookie).toContain(`Path=/${ctx.tenantId}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });

  it('prompt=create goes to the sign-up page; prompt=login ignores the session', async () => {
    const create = await authorize(keyway, ctx.tenantId, { ...base(), prompt: 'create' }, user.cookie);
    expect(create.location?.pathname).toBe(`/${ctx.tenantId}/signup`);
    const login = await authorize(keyway, ctx.tenantId, { ...base(), prompt: 'login' }, user.cookie);
    expect(login.location?.pathname).toBe(`/${ctx.tenantId}/login`);
  });

  it('max_age=0 forces a new ceremony; a generous max_age allows SSO', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const strict = await authorize(keyway, ctx.tenantId, { ...base(), max_age: '0' }, user.cookie);
    expect(strict.location?.pathname).toBe(`/${ctx.tenantId}/login`);
    const lax = await authorize(keyway, ctx.tenantId, { ...base(), max_age: '3600' }, user.cookie);
    expect(lax.location?.searchParams.get('code')).toBeTruthy();
  });

  it('OIDC Core §3.1.2.6: prompt=none without a session answers login_required', async () => {
    await expectRedirectError({ ...base(), prompt: 'none' }, 'login_required');
  });

  it('RFC 7636 §4.4.1 / OAuth 2.1: missing PKCE is invalid_request', async () => {
    await expectRedirectError(without(base(), 'code_challenge'), 'invalid_request', user.cookie);
  });

  it('RFC 7636 §4.2: plain PKCE (or no method) is invalid_request', async () => {
    await expectRedirectError({ ...base(), code_challenge_method: 'plain' }, 'invalid_request', user.cookie);
    await expectRedirectError(without(base(), 'code_challenge_method'), 'invalid_request', user.cookie);
  });

  it('RFC 6749 §4.1.2.1: response types other than code are unsupported_response_type', async () => {
    await expectRedirectError({ ...base(), response_type: 'token' }, 'unsupported_response_type', user.cookie);
    await expectRedirectError({ ...base(), response_type: 'code id_token' }, 'unsupported_response_type', user.cookie);
  });

  it('RFC 6749 §3.3: unknown scopes are invalid_scope', async () => {
    await expectRedirectError({ ...base(), scope: 'openid admin' }, 'invalid_scope', user.cookie);
  });

  it('OIDC Core §6: request objects are not supported', async () => {
    await expectRedirectError({ ...base(), request: 'eyJ...' }, 'request_not_supported', user.cookie);
  });

  it('RFC 6749 §4.1.2.1: an unregistered redirect_uri gets an HTML error page, never a redirect', async () => {
    for (const redirect of [
      'https://evil.example/callback',
      `${REDIRECT_URI}/extra`,
      `${REDIRECT_URI}?x=1`,
      'https://APP.example.com/callback',
    ]) {
      const { res } = await authorize(
        keyway,
        ctx.tenantId,
        { ...base(), redirect_uri: redirect, response_type: 'token' },
        user.cookie,
      );
      expect(res.status, redirect).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      // The hosted pages' shell and the tenant's name, and a message that says what to do.
      const page = await res.text();
      expect(page).toContain(`Tenant ${ctx.tenantId}`);
      expect(page).toContain('This sign-in link is not valid');
      expect(page).toContain('Go back to the application');
      expect(page).not.toContain('evil.example');
      // The way back is the application's registered address, never the refused one; the reason is for developers.
      expect(page).toContain('<a href="https://app.example.com/">Back to Test app</a>');
      expect(page).toMatch(
        /<details><summary><small>Details for the application’s developers.*not one of the client’s registered redirect URIs/s,
      );
      expect(page).toMatch(/<small>Reference: [^<]+<\/small>/);
      expect(res.headers.get('content-security-policy')).toMatch(/style-src 'nonce-/);
    }
  });

  it('an unknown client or tenant gets an HTML error page', async () => {
    const unknownClient = await authorize(keyway, ctx.tenantId, { ...base(), client_id: 'nope' });
    expect(unknownClient.res.status).toBe(400);
    expect(unknownClient.res.headers.get('location')).toBeNull();
    // No client, no way back to offer.
    expect(await unknownClient.res.text()).not.toContain('Back to');
    const unknownTenant = await authorize(keyway, 'no-such-tenant', base());
    expect(unknownTenant.res.status).toBe(404);
  });

  it('RFC 8252 §7.3: loopback IP redirect URIs may use any port; localhost and other hosts may not', async () => {
    const native = await registerClient(keyway, ctx.tenantId, {
      redirect_uris: ['http://127.0.0.1/cb', 'http://localhost:8080/cb'],
      token_endpoint_auth_method: 'none',
    });
    const params = { ...base(), client_id: native.client_id };
    const loopback = await authorize(
      keyway,
      ctx.tenantId,
      { ...params, redirect_uri: 'http://127.0.0.1:51234/cb' },
      user.cookie,
    );
    expect(loopback.location?.searchParams.get('code')).toBeTruthy();
    const localhostOtherPort = await authorize(
      keyway,
      ctx.tenantId,
      { ...params, redirect_uri: 'http://localhost:9999/cb' },
      user.cookie,
    );
    expect(localhostOtherPort.res.status).toBe(400);
  });

  it('accepts POST with a form body (OIDC Core §3.1.2.1)', async () => {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', cookie: user.cookie },
      body: new URLSearchParams(base()),
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('a session of tenant A never signs anyone in to tenant B', async () => {
    const other = await setupTenant(keyway);
    const { res, location } = await authorize(
      keyway,
      other.tenantId,
      { ...base(), client_id: other.client.client_id },
      user.cookie,
    );
    expect(res.status).toBe(302);
    expect(location?.pathname).toBe(`/${other.tenantId}/login`);
  });
});

describe('OIDC Core §3.1.2.1 prompt=select_account', () => {
  /** The account choice page's form fields, and the cookies its browser holds (the session and the binding cookie). */
  async function choicePage(cookie: string, extra: Record<string, string> = {}) {
    const { res } = await authorize(keyway, ctx.tenantId, { ...base(), prompt: 'select_account', ...extra }, cookie);
    const html = await res.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
    const browser = /^(kw_browser=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    return {
      res,
      html,
      form: { interaction: field('interaction')!, csrf: field('csrf')!, account: field('account')!, continue: '1' },
      cookie: `${cookie}; ${browser}`,
    };
  }

  async function answer(form: Record<string, string>, cookie: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', cookie, ...headers },
      body: new URLSearchParams(form),
    });
    const location = res.headers.get('location');
    return { res, location: location ? new URL(location, keyway.url) : undefined };
  }

  it('§3.1.2.1: with a live session it issues no code but shows "Signed in as …" with Continue and "Not you?"', async () => {
    // Act
    const { res, html, form } = await choicePage(user.cookie);
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('set-cookie')).toMatch(/^kw_browser=/);
    expect(html).toContain('Signed in as <strong>Ada Lovelace</strong>');
    expect(html).toContain(user.email);
    expect(html).toContain('Test app asks which account to use.');
    expect(html).toContain(`action="${ctx.issuer}/authorize"`);
    expect(form.account).toBe(user.userId);
    expect(html).toContain(`href="${ctx.issuer}/login?interaction=${form.interaction}"`);
    expect(html).toContain('Use another account');
    // Continue is answered with a redirect to the application: CSP form-action must allow its origin.
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self' https://app.example.com");
  });

  it('§3.1.2.1: Continue issues the code for the session’s account (state, iss), redeemable for the same sub', async () => {
    // Prepare
    const { form, cookie } = await choicePage(user.cookie);
    // Act
    const { res, location } = await answer(form, cookie, { origin: new URL(keyway.baseUrl).origin });
    // Assess
    expect(res.status).toBe(302);
    expect(`${location?.origin}${location?.pathname}`).toBe(REDIRECT_URI);
    expect(location?.searchParams.get('state')).toBe('xyz');
    expect(location?.searchParams.get('iss')).toBe(ctx.issuer);
    const tokens = await redeem(keyway, ctx, location!.searchParams.get('code')!, verifier);
    expect(tokens.res.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string).sub).toBe(user.userId);
  });

  it('§3.1.2.1: without a session select_account is a normal sign-in', async () => {
    const { res, location } = await authorize(keyway, ctx.tenantId, { ...base(), prompt: 'select_account' });
    expect(res.status).toBe(302);
    expect(location?.pathname).toBe(`/${ctx.tenantId}/login`);
  });

  it('§3.1.2.1: login or create with select_account forces the ceremony; none with it is invalid_request', async () => {
    const login = await authorize(keyway, ctx.tenantId, { ...base(), prompt: 'select_account login' }, user.cookie);
    expect(login.location?.pathname).toBe(`/${ctx.tenantId}/login`);
    await expectRedirectError({ ...base(), prompt: 'none select_account' }, 'invalid_request', user.cookie);
  });

  it('§3.1.2.1: a max_age the session is too old for means the passkey sign-in, not the choice', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const { res, location } = await authorize(
      keyway,
      ctx.tenantId,
      { ...base(), prompt: 'select_account', max_age: '0' },
      user.cookie,
    );
    expect(res.status).toBe(302);
    expect(location?.pathname).toBe(`/${ctx.tenantId}/login`);
  });

  it('refuses a Continue without the interaction’s anti-CSRF token, or from another origin: no code', async () => {
    const { form, cookie } = await choicePage(user.cookie);
    for (const [attempt, headers] of [
      [{ ...form, csrf: 'forged' }, {}],
      [form, { origin: 'https://evil.example' }],
    ] as const) {
      const { res } = await answer(attempt, cookie, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('Details for the application’s developers');
      expect(html).toContain('Back to Test app');
    }
  });

  it('refuses a Continue for a sign-in that did not ask to choose (prompt=login cannot be skipped)', async () => {
    // Prepare: a prompt=login interaction of this browser, and its token from the sign-in page.
    const { res, location } = await authorize(keyway, ctx.tenantId, { ...base(), prompt: 'login' }, user.cookie);
    const browser = /^(kw_browser=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    const cookie = `${user.cookie}; ${browser}`;
    const page = await (await fetch(location!, { headers: { cookie } })).text();
    const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1];
    const interaction = location!.searchParams.get('interaction')!;
    // Act
    const answered = await answer({ interaction, csrf: csrf!, account: user.userId, continue: '1' }, cookie);
    // Assess
    expect(answered.res.status).toBe(403);
    expect(answered.res.headers.get('location')).toBeNull();
  });

  it('sends a Continue whose session is gone or is another account’s to the passkey sign-in', async () => {
    const { form, cookie } = await choicePage(user.cookie);
    const someoneElse = await signedInUser(keyway, ctx.tenantId);
    const browser = cookie.split('; ')[1];
    for (const session of [someoneElse.cookie, 'kw_session=ended']) {
      const { res, location } = await answer(form, `${session}; ${browser}`);
      expect(res.status).toBe(302);
      expect(`${location?.pathname}?${location?.searchParams}`).toBe(
        `/${ctx.tenantId}/login?interaction=${form.interaction}`,
      );
    }
  });
});

describe('client registration (RFC 7591)', () => {
  it('refuses redirect URIs that are not https/loopback/private-use, or carry a fragment', async () => {
    for (const uri of [
      'http://app.example.com/cb',
      'https://app.example.com/cb#frag',
      'javascript:alert(1)',
      'relative/cb',
    ]) {
      const res = await fetch(`${keyway.url}/admin/tenants/${ctx.tenantId}/clients`, {
        method: 'POST',
        headers: { Authorization: 'Bearer kw_admin_test_0123456789abcdef', 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [uri] }),
      });
      expect(res.status, uri).toBe(400);
      // RFC 7591 §3.2.2: the error body names the problem with a registered code.
      expect(await res.json(), uri).toMatchObject({ error: 'invalid_redirect_uri', status: 400 });
    }
  });

  it('answers other bad metadata with invalid_client_metadata (RFC 7591 §3.2.2)', async () => {
    const res = await fetch(`${keyway.url}/admin/tenants/${ctx.tenantId}/clients`, {
      method: 'POST',
      headers: { Authorization: 'Bearer kw_admin_test_0123456789abcdef', 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://app.example.com/cb'], scope: 'openid admin' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata', traceId: expect.any(String) });
  });

  it('shows a confidential client its secret once', async () => {
    const client = await registerClient(keyway, ctx.tenantId);
    expect(client.client_secret).toMatch(/^kws_/);
    expect(client.client_secret_expires_at).toBe(0);
    expect(client.token_endpoint_auth_method).toBe('client_secret_basic');
  });
});

describe('repeated parameters (RFC 6749 §3.1) on pages a browser navigates to', () => {
  const withRepeat = (name: string, value: string) => {
    const url = new URL(`${keyway.url}/${ctx.tenantId}/authorize`);
    for (const [k, v] of Object.entries(base())) url.searchParams.set(k, v);
    url.searchParams.append(name, value);
    return url;
  };

  it('a repeated scope goes back to the validated redirect URI as invalid_request', async () => {
    const res = await fetch(withRepeat('scope', 'openid'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('xyz');
  });

  it('a repeated redirect_uri is an HTML error page, never a redirect', async () => {
    const res = await fetch(withRepeat('redirect_uri', 'https://evil.example/cb'), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('a repeated interaction on the sign-in page is an HTML error page', async () => {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/login?interaction=a&interaction=b`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('discovery lists every endpoint', () => {
  it('advertises the OIDC core endpoints and capabilities', async () => {
    const metadata = (await (
      await fetch(`${keyway.url}/${ctx.tenantId}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    for (const [field, path] of Object.entries({
      authorization_endpoint: 'authorize',
      token_endpoint: 'token',
      userinfo_endpoint: 'userinfo',
      revocation_endpoint: 'revoke',
      introspection_endpoint: 'introspect',
      end_session_endpoint: 'end-session',
      device_authorization_endpoint: 'device_authorization',
      jwks_uri: '.well-known/jwks.json',
    }))
      expect(metadata[field]).toBe(`${ctx.issuer}/${path}`);
    expect(metadata).toMatchObject({
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:token-exchange',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('OIDC Discovery §3: prompt_values_supported lists select_account and consent, and only the values that have a behaviour', async () => {
    const metadata = (await (
      await fetch(`${keyway.url}/${ctx.tenantId}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(metadata.prompt_values_supported).toEqual(['none', 'login', 'create', 'select_account', 'consent']);
  });

  it('RFC 8414 §3.1: the path-inserted addresses (authorization server and OpenID) serve the same document, whose issuer is the tenant', async () => {
    const appended = await fetch(`${keyway.url}/${ctx.tenantId}/.well-known/openid-configuration`);
    const expected = await appended.json();
    for (const name of ['oauth-authorization-server', 'openid-configuration']) {
      const res = await fetch(`${keyway.url}/.well-known/${name}/${ctx.tenantId}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const metadata = (await res.json()) as Record<string, unknown>;
      expect(metadata).toEqual(expected);
      // RFC 8414 §3.3: the issuer the client expected is the one in the document.
      expect(metadata.issuer).toBe(ctx.issuer);
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      const unknown = await fetch(`${keyway.url}/.well-known/${name}/no-such-tenant`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });
});
