import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import { REQUEST_URI_PREFIX } from '../../lambdas/core/store/pushed-requests.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { authorize, basicAuth, REDIRECT_URI, registerClient, setupTenant, signedInUser } from '../support/oidc.ts';
import { discover } from '../support/relying-party.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;
let user: Awaited<ReturnType<typeof signedInUser>>;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
  user = await signedInUser(keyway, ctx.tenantId);
});
afterAll(async () => keyway?.stop());

function request(extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  return {
    verifier,
    params: {
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'pushed-state',
      ...extra,
    },
  };
}

async function push(
  params: Record<string, string>,
  headers: Record<string, string> = { Authorization: basicAuth(ctx.client) },
  tenantId = ctx.tenantId,
) {
  const res = await fetch(`${keyway.url}/${tenantId}/par`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe('pushed authorization requests (RFC 9126)', () => {
  it('§5: discovery advertises the endpoint and that pushing is optional', async () => {
    const metadata = (await (await fetch(`${ctx.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.pushed_authorization_request_endpoint).toBe(`${ctx.issuer}/par`);
    expect(metadata.require_pushed_authorization_requests).toBe(false);
  });

  it('§2 + §4 with openid-client: buildAuthorizationUrlWithPAR, authorize with only client_id and request_uri, the code redeemed', async () => {
    const config = await discover(keyway, ctx.tenantId, ctx.client);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st-par',
      nonce: 'n-par',
    });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(new RegExp(`^${REQUEST_URI_PREFIX}[A-Za-z0-9_-]+$`));
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: user.cookie } });
    const callback = new URL(res.headers.get('location')!);
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 'st-par',
      expectedNonce: 'n-par',
    });
    expect(decodeJwt(tokens.id_token!)).toMatchObject({ sub: user.userId, nonce: 'n-par' });
  });

  it('§2.2: 201 with a request_uri and expires_in of at most 60 seconds, not cacheable', async () => {
    const { res, body } = await push(request().params);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(body.expires_in).toBe(60);
    expect(body.request_uri).toMatch(new RegExp(`^${REQUEST_URI_PREFIX}`));
  });

  it('§4: only the pushed parameters count; what else is in the URL is ignored', async () => {
    const { body } = await push(request().params);
    const { location } = await authorize(
      keyway,
      ctx.tenantId,
      { client_id: ctx.client.client_id, request_uri: body.request_uri as string, state: 'forged', scope: 'openid' },
      user.cookie,
    );
    expect(location?.searchParams.get('state')).toBe('pushed-state');
    expect(location?.searchParams.get('code')).toBeTruthy();
  });

  it('§4: a request_uri is used once; a second use is an error page, never a redirect', async () => {
    const { body } = await push(request().params);
    const query = { client_id: ctx.client.client_id, request_uri: body.request_uri as string };
    expect((await authorize(keyway, ctx.tenantId, query, user.cookie)).location?.searchParams.get('code')).toBeTruthy();
    const again = await authorize(keyway, ctx.tenantId, query, user.cookie);
    expect(again.res.status).toBe(400);
    expect(again.location).toBeUndefined();
    const html = await again.res.text();
    expect(html).toContain('invalid_request_uri');
  });

  it('§4: another client cannot use a request_uri, and trying does not spend it for its own client', async () => {
    const other = await registerClient(keyway, ctx.tenantId, { client_name: 'Other' });
    const { body } = await push(request().params);
    const stolen = await authorize(
      keyway,
      ctx.tenantId,
      { client_id: other.client_id, request_uri: body.request_uri as string },
      user.cookie,
    );
    expect(stolen.res.status).toBe(400);
    expect(stolen.location).toBeUndefined();
    const own = await authorize(
      keyway,
      ctx.tenantId,
      { client_id: ctx.client.client_id, request_uri: body.request_uri as string },
      user.cookie,
    );
    expect(own.location?.searchParams.get('code')).toBeTruthy();
  });

  it('§2.2: an expired request_uri is refused', async () => {
    const { body } = await push(request().params);
    const reference = (body.request_uri as string).slice(REQUEST_URI_PREFIX.length);
    await keyway.store.table.doc.send(
      new UpdateCommand({
        TableName: keyway.store.table.name,
        Key: keys.pushedRequest(ctx.tenantId, sha256(reference)),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    const expired = await authorize(
      keyway,
      ctx.tenantId,
      { client_id: ctx.client.client_id, request_uri: body.request_uri as string },
      user.cookie,
    );
    expect(expired.res.status).toBe(400);
  });

  it('§2.3: the push is checked as authorize would check it, and every error is JSON for the client', async () => {
    const cases: [Record<string, string>, string][] = [
      [request({ redirect_uri: 'https://evil.example/cb' }).params, 'invalid_request'],
      [request({ code_challenge_method: 'plain' }).params, 'invalid_request'],
      [request({ response_type: 'token' }).params, 'unsupported_response_type'],
      [request({ scope: 'openid admin' }).params, 'invalid_scope'],
      [request({ request_uri: `${REQUEST_URI_PREFIX}abc` }).params, 'invalid_request'],
      [request({ request: 'eyJ.eyJ.sig' }).params, 'request_not_supported'],
      [request({ prompt: 'bogus' }).params, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const { res, body } = await push(params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(body.error, JSON.stringify(params)).toBe(error);
    }
    const badSecret = await push(request().params, {
      Authorization: basicAuth({ client_id: ctx.client.client_id, client_secret: 'wrong' }),
    });
    expect(badSecret.res.status).toBe(401);
    expect(badSecret.body.error).toBe('invalid_client');
    const anonymous = await push(request().params, {});
    expect(anonymous.res.status).toBe(401);
  });

  it('§2: a public client pushes with its client_id alone', async () => {
    const spa = await registerClient(keyway, ctx.tenantId, { token_endpoint_auth_method: 'none' });
    const { res, body } = await push({ ...request().params, client_id: spa.client_id }, {});
    expect(res.status).toBe(201);
    const { location } = await authorize(
      keyway,
      ctx.tenantId,
      { client_id: spa.client_id, request_uri: body.request_uri as string },
      user.cookie,
    );
    expect(location?.searchParams.get('code')).toBeTruthy();
  });

  it('§6: a client registered with require_pushed_authorization_requests must push; the tenant’s other clients need not', async () => {
    const strict = await registerClient(keyway, ctx.tenantId, { require_pushed_authorization_requests: true });
    expect(strict.require_pushed_authorization_requests).toBe(true);
    const plain = await authorize(
      keyway,
      ctx.tenantId,
      { ...request().params, client_id: strict.client_id },
      user.cookie,
    );
    expect(plain.location?.searchParams.get('error')).toBe('invalid_request');
    const { body } = await push(request().params, { Authorization: basicAuth(strict) });
    const pushed = await authorize(
      keyway,
      ctx.tenantId,
      { client_id: strict.client_id, request_uri: body.request_uri as string },
      user.cookie,
    );
    expect(pushed.location?.searchParams.get('code')).toBeTruthy();
    const relaxed = await authorize(
      keyway,
      ctx.tenantId,
      { ...request().params, client_id: ctx.client.client_id },
      user.cookie,
    );
    expect(relaxed.location?.searchParams.get('code')).toBeTruthy();
  });

  it('§5: a tenant that requires pushed requests refuses a plain authorization request and says so in discovery', async () => {
    const strict = await setupTenant(keyway, { requirePushedAuthorizationRequests: true });
    const strictUser = await signedInUser(keyway, strict.tenantId);
    const metadata = (await (await fetch(`${strict.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.require_pushed_authorization_requests).toBe(true);
    const plain = await authorize(
      keyway,
      strict.tenantId,
      { ...request().params, client_id: strict.client.client_id },
      strictUser.cookie,
    );
    expect(plain.location?.searchParams.get('error')).toBe('invalid_request');
    expect(plain.location?.searchParams.get('error_description')).toContain('RFC 9126');
    const { body } = await push(request().params, { Authorization: basicAuth(strict.client) }, strict.tenantId);
    const pushed = await authorize(
      keyway,
      strict.tenantId,
      { client_id: strict.client.client_id, request_uri: body.request_uri as string },
      strictUser.cookie,
    );
    expect(pushed.location?.searchParams.get('code')).toBeTruthy();
  });
});
