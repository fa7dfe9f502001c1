import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSigner } from '../../lambdas/core/signing.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { ADMIN_KEY, createTenant, startTestKeyway } from '../support/keyway.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

function expectProblem(body: Record<string, unknown>, status: number, code: string) {
  expect(body).toMatchObject({ status, code, type: `urn:keyway:error:${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.traceId).toMatch(/^[0-9a-f-]{36}$/);
}

describe('POST /admin/tenants', () => {
  it('creates a tenant with its issuer under the base URL', async () => {
    const { res, body } = await createTenant(keyway, { name: 'Acme', plan: 'pro', id: 'acme' });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ id: 'acme', name: 'Acme', plan: 'pro', issuer: `${keyway.baseUrl}/acme` });
    expect(body).not.toHaveProperty('decoyKey'); // the tenant's secret stays in the table
    expect(res.headers.get('location')).toBe(`${keyway.baseUrl}/admin/tenants/acme`);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('generates an id when none is given', async () => {
    const { res, body } = await createTenant(keyway, { name: 'Beta', plan: 'free' });
    expect(res.status).toBe(201);
    expect(body.id).toMatch(/^t[a-z2-7]{11}$/);
  });

  it('answers 401 problem details without the operator key, or with a wrong one', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${ADMIN_KEY}`]) {
      const res = await fetch(`${keyway.url}/admin/tenants`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
        body: JSON.stringify({ name: 'X', plan: 'free' }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as Record<string, unknown>;
      expectProblem(body, 401, 'unauthorized');
      expect(body.traceId).toBe(res.headers.get('x-request-id'));
    }
  });

  it('refuses tenant ids that collide with fixed routes, and malformed ones', async () => {
    for (const id of ['admin', '.well-known', 'assets', 'Acme', 'a', '-bad-', 'x'.repeat(41)]) {
      const { res, body } = await createTenant(keyway, { name: 'X', plan: 'free', id });
      expect(res.status, id).toBe(400);
      expectProblem(body, 400, 'invalid_request');
    }
  });

  it('answers 409 for a taken id', async () => {
    await createTenant(keyway, { name: 'Dup', plan: 'free', id: 'dup-tenant' });
    const { res, body } = await createTenant(keyway, { name: 'Dup', plan: 'free', id: 'dup-tenant' });
    expect(res.status).toBe(409);
    expectProblem(body, 409, 'conflict');
  });

  it('validates the body: unknown plan, missing name, unknown field, bad JSON, wrong media type, too large', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${keyway.url}/admin/tenants`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': type },
        body,
      });
    const cases: [Response, number, string][] = [
      [await post(JSON.stringify({ name: 'X', plan: 'gold' })), 400, 'invalid_request'],
      [await post(JSON.stringify({ plan: 'free' })), 400, 'invalid_request'],
      [await post(JSON.stringify({ name: 'X', plan: 'free', admin: true })), 400, 'invalid_request'],
      [
        await post(JSON.stringify({ name: 'X', plan: 'free', settings: { refreshGraceSeconds: 61 } })),
        400,
        'invalid_request',
      ],
      [await post('{"name":'), 400, 'invalid_request'],
      [await post('name=x', 'text/plain'), 415, 'unsupported_media_type'],
      [await post(JSON.stringify({ name: 'x'.repeat(70_000), plan: 'free' })), 413, 'payload_too_large'],
    ];
    for (const [res, status, code] of cases) {
      expect(res.status).toBe(status);
      expectProblem((await res.json()) as Record<string, unknown>, status, code);
    }
  });
});

describe('discovery and JWKS', () => {
  beforeAll(async () => {
    await createTenant(keyway, { name: 'Disco', plan: 'free', id: 'disco' });
  });

  it('serves OpenID Provider Metadata whose issuer is the tenant issuer (OIDC Discovery §4.3)', async () => {
    const res = await fetch(`${keyway.url}/disco/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(`${keyway.baseUrl}/disco`);
    expect(metadata.jwks_uri).toBe(`${keyway.baseUrl}/disco/.well-known/jwks.json`);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['RS256']);
  });

  it('answers 404 problem details for an unknown tenant', async () => {
    for (const path of [
      '/nope/.well-known/openid-configuration',
      '/nope/.well-known/jwks.json',
      '/admin/.well-known/jwks.json',
    ]) {
      const res = await fetch(`${keyway.url}${path}`);
      expect(res.status, path).toBe(404);
      expectProblem((await res.json()) as Record<string, unknown>, 404, 'not_found');
    }
  });

  it('publishes a JWKS against which a JWT from the signer verifies (fetched over HTTP by jose)', async () => {
    const jwks = createRemoteJWKSet(new URL(`${keyway.url}/disco/.well-known/jwks.json`));
    const jwt = await (await getSigner()).sign({ typ: 'JWT' }, { iss: `${keyway.baseUrl}/disco`, sub: 'u1' });
    const { payload } = await jwtVerify(jwt, jwks, { issuer: `${keyway.baseUrl}/disco`, algorithms: ['RS256'] });
    expect(payload.sub).toBe('u1');
    const res = await fetch(`${keyway.url}/disco/.well-known/jwks.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    for (const key of body.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });
});

describe('every response', () => {
  it('unknown paths and wrong methods get problem details too', async () => {
    const notFound = await fetch(`${keyway.url}/a/b/c/d`);
    expect(notFound.status).toBe(404);
    const body = (await notFound.json()) as Record<string, unknown>;
    expectProblem(body, 404, 'not_found');
    expect(notFound.headers.get('x-request-id')).toBe(body.traceId);
    expect(notFound.headers.get('x-content-type-options')).toBe('nosniff');
    const wrongMethod = await fetch(`${keyway.url}/admin/tenants`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('carries security headers', async () => {
    const res = await fetch(`${keyway.url}/disco/.well-known/openid-configuration`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
  });
});
