import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountCsrf } from '../../lambdas/core/account/account.ts';
import type { Branding } from '../../lambdas/core/branding.ts';
import { contrastRatio, primaryColorProblem } from '../../lambdas/core/branding.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import {
  ACCOUNT,
  authenticatorFor,
  createTenantWithClient,
  proveEmail,
  signUp,
  startInteraction,
} from '../passkeys/fixtures.ts';
import { admin } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';

const BRANDING: Branding = {
  displayName: 'Acme Identity',
  logoUrl: 'https://cdn.acme.example/logo.svg',
  primaryColor: '#0b5394',
  backgroundColor: '#eef3f8',
  supportUrl: 'https://acme.example/help',
  privacyUrl: 'https://acme.example/privacy',
  termsUrl: 'https://acme.example/terms',
};

describe('branding colours (WCAG 2.1 §1.4.3)', () => {
  it('computes contrast ratios as WCAG defines them', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('refuses a primary colour that white button text cannot meet AA on, naming the ratio', () => {
    expect(primaryColorProblem('#0b5394')).toBeUndefined();
    expect(primaryColorProblem('#767676')).toBeUndefined(); // 4.54:1, just enough
    expect(primaryColorProblem('#777777')).toMatch(/4\.48:1.*4\.5:1/);
    expect(primaryColorProblem('#ffcc00')).toMatch(/contrast/);
  });
});

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());

describe('tenant settings.branding (admin API)', () => {
  it('accepts valid branding, refuses low contrast, http URLs and unknown fields, and removes it with null', async () => {
    const id = `brand-${Math.random().toString(36).slice(2, 8)}`;
    expect(
      (await admin(keyway, 'POST', '/admin/tenants', { body: { name: 'Acme', plan: 'free', id } })).res.status,
    ).toBe(201);
    const patch = (branding: unknown) =>
      admin(keyway, 'PATCH', `/admin/tenants/${id}`, { body: { settings: { branding } } });
    const ok = await patch(BRANDING);
    expect(ok.res.status).toBe(200);
    expect((ok.body.settings as { branding: unknown }).branding).toEqual(BRANDING);
    const pale = await patch({ primaryColor: '#ffcc00' });
    expect(pale.res.status).toBe(400);
    expect(JSON.stringify(pale.body)).toMatch(/WCAG AA/);
    expect((await patch({ logoUrl: 'http://cdn.acme.example/logo.svg' })).res.status).toBe(400);
    expect((await patch({ logoUrl: 'https://user:pw@cdn.acme.example/logo.svg' })).res.status).toBe(400);
    expect((await patch({ primaryColor: 'blue' })).res.status).toBe(400);
    expect((await patch({ font: 'Comic Sans' })).res.status).toBe(400);
    expect((await patch({ displayName: 'Acme\u202eevil' })).res.status).toBe(400);
    const removed = await patch(null);
    expect(removed.res.status).toBe(200);
    expect((removed.body.settings as { branding?: unknown }).branding).toBeUndefined();
  });
});

describe('every hosted page carries the tenant’s branding', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenantWithClient(keyway, { branding: BRANDING });
  });

  function expectBranded(html: string, csp: string | null, where: string) {
    expect(html, where).toContain('--accent: #0b5394;');
    expect(html, where).toContain('--bg: #eef3f8;');
    expect(html, where).toContain('<img src="https://cdn.acme.example/logo.svg" alt="">');
    expect(html, where).toContain('Acme Identity');
    expect(html, where).toContain('href="https://acme.example/privacy"');
    expect(csp, where).toMatch(/img-src 'self' data: https:\/\/cdn\.acme\.example(;|$)/);
  }

  it('sign-in, sign-up, recovery, device, account, enroll, end-session and error pages', async () => {
    const get = async (path: string, cookie = '') => {
      const res = await fetch(`${keyway.url}/${tenant.id}${path}`, { headers: { Cookie: cookie }, redirect: 'manual' });
      return { html: await res.text(), csp: res.headers.get('content-security-policy'), status: res.status };
    };
    const pending = await startInteraction(keyway, tenant);
    const q = `?interaction=${pending.interaction.id}`;
    for (const path of [
      `/login${q}`,
      `/signup${q}`,
      `/recover${q}`,
      '/device',
      '/device?user_code=NOPE-NOPE',
      `/login?interaction=unknown`,
    ]) {
      const page = await get(path, pending.cookie);
      expectBranded(page.html, page.csp, path);
    }
    // Signed in: the account page, an enrollment page, the end-session confirmation and result.
    const done = await signUp(keyway, tenant, authenticatorFor(keyway), {
      ...ACCOUNT,
      email: `b-${Date.now()}@example.com`,
    });
    const sid = done.res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const cookie = `kw_session=${sid}; ${done.pending.cookie}`;
    const account = await get('/account', cookie);
    expectBranded(account.html, account.csp, 'account');
    const enroll = await fetch(`${keyway.url}/${tenant.id}/account`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: accountCsrf(sid), action: 'add-passkey' }),
    });
    expectBranded(await enroll.text(), enroll.headers.get('content-security-policy'), 'enroll');
    const confirm = await get('/end-session', cookie);
    expectBranded(confirm.html, confirm.csp, 'end-session confirmation');
    const signedOut = await get('/end-session');
    expectBranded(signedOut.html, signedOut.csp, 'end-session result');
  });

  it('emails carry the display name', async () => {
    const pending = await startInteraction(keyway, tenant);
    const email = `mail-${Date.now()}@example.com`;
    await proveEmail(keyway, tenant, pending, { purpose: 'signup', ...ACCOUNT, email });
    const [mail] = keyway.mailbox.list(email);
    expect(mail?.subject).toBe('Your Acme Identity sign-up code');
  });
});
