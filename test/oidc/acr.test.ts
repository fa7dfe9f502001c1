import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR_EMAIL_OTP, ACR_PASSKEY } from '../../lambdas/core/oidc/acr.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { authenticatorFor, type PendingSignIn, postPage, proveEmail, registerPasskey } from '../passkeys/fixtures.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { authorize, basicAuth, cookiesOf, REDIRECT_URI, redeem, setupTenant } from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';
import type { SoftAuthenticator } from '../support/soft-authenticator.ts';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let tenant: Tenant;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  tenant = (await keyway.store.tenants.findTenant(ctx.tenantId))!;
});
afterAll(async () => keyway?.stop());

const unique = () => `${crypto.randomUUID()}@example.com`;

/** An authorization request from the test client, with a fresh PKCE pair. */
function request(extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  const params = {
    response_type: 'code',
    client_id: ctx.client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
    ...extra,
  };
  return { params, verifier };
}

/** Authorize in a browser with `cookie`; when it leads to the sign-in page, the interaction that page works on. */
async function startSignIn(params: Record<string, string>, cookie = '') {
  const { res, location } = await authorize(keyway, ctx.tenantId, params, cookie || undefined);
  const interactionId = location?.searchParams.get('interaction');
  const pending: PendingSignIn | undefined = interactionId
    ? {
        interaction: (await keyway.store.interactions.findInteraction(ctx.tenantId, interactionId))!,
        cookie: [cookie, cookiesOf(res)].filter(Boolean).join('; '),
      }
    : undefined;
  return { location, pending };
}

/** A passkey sign-in (options, then the authenticator's assertion) on the interaction authorize made. */
async function signInWithPasskey(pending: PendingSignIn, authenticator: SoftAuthenticator) {
  const options = await postPage(keyway, tenant, '/passkeys/authentication/options', pending, {});
  const response = authenticator.get(options.body.options as never);
  return postPage(keyway, tenant, '/passkeys/authentication/verify', pending, {
    challengeId: options.body.challengeId,
    response,
  });
}

/** A new account made through the real pages, then recovered on a new phone: its session is an emailed code's. */
async function recoveredAccount() {
  const email = unique();
  const phone = authenticatorFor(keyway);
  const signup = await startSignIn(request().params);
  const flowId = await proveEmail(keyway, tenant, signup.pending!, {
    purpose: 'signup',
    email,
    givenName: 'Ada',
    familyName: 'Lovelace',
  });
  const created = await registerPasskey(keyway, tenant, phone, signup.pending!, { flowId });
  expect(created.res.status).toBe(200);
  const { params, verifier } = request();
  const recovery = await startSignIn(params);
  const recoveryFlow = await proveEmail(keyway, tenant, recovery.pending!, { purpose: 'recovery', email });
  const recovered = await registerPasskey(keyway, tenant, authenticatorFor(keyway), recovery.pending!, {
    flowId: recoveryFlow,
  });
  const code = new URL(recovered.body.redirectTo as string).searchParams.get('code')!;
  const session = cookiesOf(recovered.res);
  return { phone, code, verifier, cookie: `${recovery.pending!.cookie}; ${session}` };
}

describe('acr and amr in tokens (OIDC Core §2, RFC 8176)', () => {
  it('OIDC Discovery §3: acr_values_supported lists the two classes, and the claims parameter is supported', async () => {
    const metadata = (await (await fetch(`${ctx.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.acr_values_supported).toEqual([ACR_PASSKEY, ACR_EMAIL_OTP]);
    expect(metadata.claims_parameter_supported).toBe(true);
    expect(metadata.claims_supported).toContain('acr');
  });

  it('a passkey sign-in is acr "phr": ID and access tokens carry acr, amr and auth_time, and introspection reports them (RFC 9470 §6.2)', async () => {
    const account = await recoveredAccount();
    const { params, verifier } = request();
    const { pending } = await startSignIn({ ...params, prompt: 'login' }, account.cookie);
    const verified = await signInWithPasskey(pending!, account.phone);
    const code = new URL(verified.body.redirectTo as string).searchParams.get('code')!;
    const { body } = await redeem(keyway, ctx, code, verifier);
    const idToken = decodeJwt(body.id_token as string);
    const accessToken = decodeJwt(body.access_token as string);
    expect(idToken).toMatchObject({ acr: ACR_PASSKEY, amr: ['hwk', 'user'] });
    expect(accessToken.acr).toBe(ACR_PASSKEY);
    expect(accessToken.auth_time).toBe(idToken.auth_time);
    for (const token of [body.access_token, body.refresh_token] as string[]) {
      if (!token) continue;
      const res = await fetch(`${ctx.issuer}/introspect`, {
        method: 'POST',
        headers: { Authorization: basicAuth(ctx.client), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      expect(await res.json()).toMatchObject({ active: true, acr: ACR_PASSKEY, auth_time: idToken.auth_time });
    }
  });

  it('a recovery (emailed code, then a new passkey) is acr "urn:keyway:acr:email-otp" with amr otp', async () => {
    const account = await recoveredAccount();
    const { body } = await redeem(keyway, ctx, account.code, account.verifier);
    expect(decodeJwt(body.id_token as string)).toMatchObject({ acr: ACR_EMAIL_OTP, amr: ['otp', 'hwk', 'user'] });
    expect(decodeJwt(body.access_token as string).acr).toBe(ACR_EMAIL_OTP);
  });
});

describe('acr_values and claims at authorize (OIDC Core §3.1.2.1, §5.5.1.1)', () => {
  it('acr_values=phr: a session of the weaker class signs in again instead of single sign-on', async () => {
    const account = await recoveredAccount();
    const { location, pending } = await startSignIn(request({ acr_values: ACR_PASSKEY }).params, account.cookie);
    expect(location?.pathname).toBe(`/${ctx.tenantId}/login`);
    expect(pending?.interaction.acr).toEqual({ values: [ACR_PASSKEY], essential: false });
  });

  it('a class the session is stronger than is met by single sign-on (a passkey satisfies email-otp)', async () => {
    const account = await recoveredAccount();
    const signIn = await startSignIn({ ...request().params, prompt: 'login' }, account.cookie);
    const verified = await signInWithPasskey(signIn.pending!, account.phone);
    // The browser keeps its binding cookie and replaces the session cookie with the new sign-in's.
    const binding = signIn.pending!.cookie.split('; ').filter((c) => !c.startsWith('kw_session='));
    const cookie = [...binding, cookiesOf(verified.res)].join('; ');
    const { params, verifier } = request({ acr_values: ACR_EMAIL_OTP });
    const { location } = await startSignIn(params, cookie);
    const code = location?.searchParams.get('code');
    expect(code).toBeTruthy();
    const { body } = await redeem(keyway, ctx, code!, verifier);
    expect(decodeJwt(body.id_token as string).acr).toBe(ACR_PASSKEY);
  });

  it('§5.5.1.1: an essential request a stronger sign-in meets gets one of its own values back as acr', async () => {
    const account = await recoveredAccount();
    const signIn = await startSignIn({ ...request().params, prompt: 'login' }, account.cookie);
    const verified = await signInWithPasskey(signIn.pending!, account.phone);
    const binding = signIn.pending!.cookie.split('; ').filter((c) => !c.startsWith('kw_session='));
    const cookie = [...binding, cookiesOf(verified.res)].join('; ');
    const claims = JSON.stringify({
      id_token: { acr: { essential: true, values: ['urn:example:gold', ACR_EMAIL_OTP] } },
    });
    const { params, verifier } = request({ claims });
    const { location } = await startSignIn(params, cookie);
    const { body } = await redeem(keyway, ctx, location!.searchParams.get('code')!, verifier);
    expect(decodeJwt(body.id_token as string).acr).toBe(ACR_EMAIL_OTP);
    expect(decodeJwt(body.access_token as string).acr).toBe(ACR_EMAIL_OTP);
  });

  it('§3.1.2.6: prompt=none with an acr the session does not meet is login_required', async () => {
    const account = await recoveredAccount();
    const { location } = await startSignIn(request({ acr_values: ACR_PASSKEY, prompt: 'none' }).params, account.cookie);
    expect(location?.searchParams.get('error')).toBe('login_required');
    expect(location?.searchParams.get('state')).toBe('st');
  });

  it('unknown voluntary acr_values are ignored: single sign-on answers', async () => {
    const account = await recoveredAccount();
    const { location } = await startSignIn(request({ acr_values: 'urn:example:gold' }).params, account.cookie);
    expect(location?.searchParams.get('code')).toBeTruthy();
  });

  it('an essential acr claim that a recovery did not meet ends in unmet_authentication_requirements, with state and iss', async () => {
    const email = unique();
    const signup = await startSignIn(request().params);
    const flowId = await proveEmail(keyway, tenant, signup.pending!, {
      purpose: 'signup',
      email,
      givenName: 'Bea',
      familyName: 'Lovelace',
    });
    await registerPasskey(keyway, tenant, authenticatorFor(keyway), signup.pending!, { flowId });
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_PASSKEY] } } });
    const { pending } = await startSignIn(request({ claims }).params);
    expect(pending?.interaction.acr).toEqual({ values: [ACR_PASSKEY], essential: true });
    // The user loses the passkey and recovers instead: signed in, but not with what the client required.
    const recoveryFlow = await proveEmail(keyway, tenant, pending!, { purpose: 'recovery', email });
    const recovered = await registerPasskey(keyway, tenant, authenticatorFor(keyway), pending!, {
      flowId: recoveryFlow,
    });
    const redirect = new URL(recovered.body.redirectTo as string);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(redirect.searchParams.get('code')).toBeNull();
    expect(redirect.searchParams.get('state')).toBe('st');
    expect(redirect.searchParams.get('iss')).toBe(ctx.issuer);
  });

  it('an essential acr naming only unknown classes cannot be met: unmet_authentication_requirements at once', async () => {
    const claims = JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:example:gold' } } });
    const { location } = await startSignIn(request({ claims }).params);
    expect(location?.searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('§5.5: a claims parameter that is not a JSON object, or an acr request of the wrong shape, is invalid_request', async () => {
    for (const claims of ['{not json', '[1]', JSON.stringify({ id_token: { acr: { values: 'phr' } } })]) {
      const { location } = await startSignIn(request({ claims }).params);
      expect(location?.searchParams.get('error')).toBe('invalid_request');
    }
  });
});

/**
 * A resource server that requires a passkey sign-in at most `maxAge` seconds old and says so as RFC 9470 §3 asks:
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values=…, max_age=…`.
 */
async function startResourceServer(maxAge: number): Promise<{ server: Server; url: string }> {
  const jwks = createLocalJWKSet((await (await fetch(`${ctx.issuer}/.well-known/jwks.json`)).json()) as JSONWebKeySet);
  const server = createServer(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    try {
      const { payload } = await jwtVerify(token ?? '', jwks, { issuer: ctx.issuer, typ: 'at+jwt' });
      const age = Math.floor(Date.now() / 1000) - Number(payload.auth_time);
      if (payload.acr !== ACR_PASSKEY || age > maxAge) {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer error="insufficient_user_authentication", error_description="A recent passkey sign-in is required", acr_values="${ACR_PASSKEY}", max_age=${maxAge}`,
        });
        return res.end();
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ sub: payload.sub }));
    } catch {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments` };
}

/** The auth-params of an RFC 6750 §3 challenge (quoted or token values). */
function challengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, quoted, token] of header.matchAll(/([a-z_]+)=(?:"([^"]*)"|([^,\s]+))/g))
    out[name!] = quoted ?? token!;
  return out;
}

describe('RFC 9470 step-up round trip', () => {
  it('§3 → §4: the API refuses a recovered session with insufficient_user_authentication, the client asks with acr_values and max_age, the user signs in with a passkey, the API accepts', async () => {
    const api = await startResourceServer(300);
    try {
      const account = await recoveredAccount();
      const first = await redeem(keyway, ctx, account.code, account.verifier);
      const refused = await fetch(api.url, { headers: { Authorization: `Bearer ${first.body.access_token}` } });
      expect(refused.status).toBe(401);
      const challenge = challengeParams(refused.headers.get('www-authenticate')!);
      expect(challenge).toMatchObject({ error: 'insufficient_user_authentication', acr_values: ACR_PASSKEY });
      // RFC 9470 §4: the client sends the user to authorize with what the challenge asked for.
      const { params, verifier } = request({ acr_values: challenge.acr_values!, max_age: challenge.max_age! });
      const { location, pending } = await startSignIn(params, account.cookie);
      expect(location?.pathname).toBe(`/${ctx.tenantId}/login`);
      const verified = await signInWithPasskey(pending!, account.phone);
      const code = new URL(verified.body.redirectTo as string).searchParams.get('code')!;
      const second = await redeem(keyway, ctx, code, verifier);
      expect(decodeJwt(second.body.id_token as string).acr).toBe(ACR_PASSKEY);
      const accepted = await fetch(api.url, { headers: { Authorization: `Bearer ${second.body.access_token}` } });
      expect(accepted.status).toBe(200);
    } finally {
      api.server.close();
    }
  });
});
