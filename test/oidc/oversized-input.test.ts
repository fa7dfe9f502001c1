import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { ADMIN_KEY, startTestKeyway } from '../support/keyway.ts';
import { REDIRECT_URI, setupTenant } from '../support/oidc.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

/**
 * Identifiers longer than any DynamoDB key may be (2048-byte partition, 1024-byte sort key) are bad input:
 * unknown client, unknown sign-in request — never a 500 from the store's ValidationException.
 */
let keyway: LocalKeyway;
let tenant: Awaited<ReturnType<typeof setupTenant>>;
const LONG = 'x'.repeat(3000);

beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await setupTenant(keyway);
});
afterAll(() => keyway?.stop());

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body).toString(),
});

describe('oversized identifiers', () => {
  it('authorize: a 3000-character client_id is an unknown client (HTML error page, 400)', async () => {
    const { challenge } = pkcePair();
    const query = new URLSearchParams({
      client_id: LONG,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'openid',
    });
    const res = await fetch(`${keyway.url}/${tenant.tenantId}/authorize?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it.each(['token', 'revoke', 'introspect'])('%s: a 3000-character client_id is invalid_client (401)', async (path) => {
    const body: Record<string, string> = { client_id: LONG, client_secret: 'nope', token: 'abc' };
    if (path === 'token') Object.assign(body, { grant_type: 'authorization_code', code: 'abc', code_verifier: 'x' });
    const res = await fetch(`${keyway.url}/${tenant.tenantId}/${path}`, form(body));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('token: a 3000-character client id in Basic credentials is invalid_client (401)', async () => {
    const res = await fetch(`${keyway.url}/${tenant.tenantId}/token`, {
      ...form({ grant_type: 'authorization_code', code: 'abc', code_verifier: 'x' }),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${LONG}:secret`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('end-session: a 3000-character client_id is an unknown client, never a redirect', async () => {
    const query = new URLSearchParams({ client_id: LONG, post_logout_redirect_uri: 'https://app.example.com/bye' });
    const res = await fetch(`${keyway.url}/${tenant.tenantId}/end-session?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(200); // the signed-out page (RP-Initiated Logout §2: still offer to sign out)
    expect(res.headers.get('location')).toBeNull();
  });

  it.each(['login', 'signup'])('%s page: a 3000-character interaction id is an expired request (400)', async (page) => {
    const res = await fetch(`${keyway.url}/${tenant.tenantId}/${page}?interaction=${LONG}`);
    expect(res.status).toBe(400);
  });

  it('client registration: a redirect URI with an over-long host is invalid metadata (400), nothing written', async () => {
    const res = await fetch(`${keyway.url}/admin/tenants/${tenant.tenantId}/clients`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [`https://${'a'.repeat(1100)}.example.com/cb`] }),
    });
    expect(res.status).toBe(400);
  });
});
