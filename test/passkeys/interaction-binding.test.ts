import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { ACCOUNT, createTenantWithClient, postPage, startInteraction } from './fixtures.ts';

let keyway: LocalKeyway;
let tenant: Tenant;
beforeAll(async () => {
  keyway = await startTestKeyway();
  tenant = await createTenantWithClient(keyway);
});
afterAll(async () => keyway?.stop());

/** Every POST the pages make, with a body that would otherwise pass validation. */
const ENDPOINTS: [string, Record<string, unknown>][] = [
  ['/passkeys/authentication/options', {}],
  ['/passkeys/registration/options', { ...ACCOUNT }],
  [
    '/passkeys/authentication/verify',
    {
      challengeId: 'c',
      response: {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        clientExtensionResults: {},
        response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
      },
    },
  ],
  [
    '/passkeys/registration/verify',
    {
      challengeId: 'c',
      response: {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        clientExtensionResults: {},
        response: { clientDataJSON: 'e30', attestationObject: 'AAAA' },
      },
    },
  ],
];

describe.each(ENDPOINTS)('POST {issuer}%s', (path, body) => {
  it('refuses a request without the anti-CSRF header', async () => {
    const pending = await startInteraction(keyway, tenant);
    const { res, body: answer } = await postPage(keyway, tenant, path, pending, body, { csrf: null });
    expect(res.status).toBe(403);
    expect(answer).toMatchObject({ code: 'access_denied' });
  });

  it('refuses a wrong anti-CSRF token (another interaction’s)', async () => {
    const pending = await startInteraction(keyway, tenant);
    const other = await startInteraction(keyway, tenant);
    const { res } = await postPage(keyway, tenant, path, pending, body, { csrf: other.interaction.csrf });
    expect(res.status).toBe(403);
  });

  it('refuses a browser that did not start the interaction (binding cookie missing or different)', async () => {
    const pending = await startInteraction(keyway, tenant);
    const other = await startInteraction(keyway, tenant);
    expect((await postPage(keyway, tenant, path, pending, body, { cookie: null })).res.status).toBe(403);
    expect((await postPage(keyway, tenant, path, pending, body, { cookie: other.cookie })).res.status).toBe(403);
  });

  it('refuses an unknown interaction, and an interaction of another tenant', async () => {
    const pending = await startInteraction(keyway, tenant);
    const other = await createTenantWithClient(keyway);
    const { res, body: answer } = await postPage(keyway, other, path, pending, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer).toMatchObject({ code: 'invalid_request' });
    expect((await postPage(keyway, tenant, path, pending, { ...body, interaction: 'unknown' })).res.status).toBe(400);
  });

  it('refuses a form post (JSON only) and an unknown tenant', async () => {
    const pending = await startInteraction(keyway, tenant);
    const form = await fetch(`${keyway.url}/${tenant.id}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: pending.cookie },
      body: `interaction=${pending.interaction.id}`,
    });
    expect(form.status).toBe(400);
    expect((await postPage(keyway, { ...tenant, id: 'no-such-tenant' }, path, pending, body)).res.status).toBe(404);
  });
});
