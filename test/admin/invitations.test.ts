import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { overrideMailer } from '../../lambdas/core/email/mailer.ts';
import { logger } from '../../lambdas/core/logger.ts';
import { INVITATION_TTL_SECONDS } from '../../lambdas/core/store/invitations.ts';
import { keys } from '../../lambdas/core/store/keys.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { signedInUser } from '../support/oidc.ts';

let keyway: LocalKeyway;
beforeAll(async () => {
  keyway = await startTestKeyway();
});
afterAll(async () => keyway?.stop());
afterEach(() => {
  overrideMailer(keyway.mailbox);
  vi.restoreAllMocks();
});

const users = (tenantId: string) => `/admin/tenants/${tenantId}/users`;
const resend = (tenantId: string, userId: string) => `${users(tenantId)}/${userId}/invitation`;

/** Every invitation email sent to `to`, newest first. */
const invitationsTo = (to: string) => keyway.mailbox.list(to).filter((m) => m.purpose === 'invitation');

/** The link of the newest invitation email to `to`, as a person would click it. */
function linkMailedTo(to: string): string {
  const [mail] = invitationsTo(to);
  const link = mail && /^Set up your passkey: (\S+)$/m.exec(mail.text)?.[1];
  if (!link) throw new Error(`no invitation link was emailed to ${to}`);
  return link;
}

/** What a browser gets when it opens the link: the page's status (the local server serves the public base URL). */
async function open(link: string): Promise<{ status: number; html: string }> {
  const res = await fetch(link.replace(keyway.baseUrl, keyway.url));
  return { status: res.status, html: await res.text() };
}

const expiresIn = (iso: unknown) => (Date.parse(String(iso)) - Date.now()) / 1000;

describe('invitations: POST …/users', () => {
  it('emails a new user an invitation whose link opens the passkey set-up page; the response says it was sent', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-create');
    const created = await admin(keyway, 'POST', users(tenantId), {
      key,
      body: { email: 'Grace@Example.com', given_name: 'Grace' },
    });
    expect(created.res.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'grace@example.com',
      email_verified: false,
      invitation: { sent: true, expires_at: expect.any(String) },
    });
    const invitation = created.body.invitation as { expires_at: string };
    expect(expiresIn(invitation.expires_at)).toBeGreaterThan(INVITATION_TTL_SECONDS - 60);
    expect(expiresIn(invitation.expires_at)).toBeLessThanOrEqual(INVITATION_TTL_SECONDS);

    const [mail] = invitationsTo('grace@example.com');
    expect(mail).toMatchObject({ tenantId, subject: `You are invited to Tenant ${tenantId}` });
    expect(mail!.text).toContain('The link works for 7 days and only once.');
    const link = linkMailedTo('grace@example.com');
    expect(link.startsWith(`${keyway.baseUrl}/${tenantId}/invitation?token=`)).toBe(true);
    const page = await open(link);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Set up your passkey');
    expect(page.html).toContain('grace@example.com');

    // The link's secret is stored only as a hash, and never in the audit log.
    const token = new URL(link).searchParams.get('token')!;
    const items = (await tenantSnapshot(keyway, tenantId)).join('\n');
    expect(items).not.toContain(token.split('.')[1]);
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`, { key });
    expect((log.body.items as Record<string, unknown>[])[0]).toMatchObject({
      action: 'user.created',
      changes: expect.objectContaining({ email: 'grace@example.com', invite: true }),
    });
  });

  it('`invite: false` sends nothing and stores no invitation', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-none');
    const created = await admin(keyway, 'POST', users(tenantId), {
      key,
      body: { email: 'quiet@example.com', invite: false },
    });
    expect(created.res.status).toBe(201);
    expect(created.body.invitation).toBeNull();
    expect(keyway.mailbox.list('quiet@example.com')).toEqual([]);
    const item = await keyway.store.table.get(keys.invitation(tenantId, String(created.body.id)), true);
    expect(item).toBeUndefined();
  });

  it('a replay of the creation (Idempotency-Key) sends no second email and says `sent: null` (unknown to the stored response)', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-replay');
    const call = () =>
      admin(keyway, 'POST', users(tenantId), {
        key,
        body: { email: 'once@example.com' },
        headers: { 'Idempotency-Key': 'create-once' },
      });
    const first = await call();
    expect(first.body.invitation).toMatchObject({ sent: true });
    const replay = await call();
    expect(replay.res.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ ...first.body, invitation: { ...(first.body.invitation as object), sent: null } });
    expect(invitationsTo('once@example.com')).toHaveLength(1);
  });

  it('a failed send does not fail the creation: 201 with `sent: false`, logged without the address or the link', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-fail');
    overrideMailer({
      send: async () => {
        throw Object.assign(new Error('SES said no to lost@example.com'), { name: 'MessageRejected' });
      },
    });
    const errors = vi.spyOn(logger, 'error');
    const created = await admin(keyway, 'POST', users(tenantId), { key, body: { email: 'lost@example.com' } });
    expect(created.res.status).toBe(201);
    expect(created.body.invitation).toMatchObject({ sent: false });
    expect((await admin(keyway, 'GET', `${users(tenantId)}/${created.body.id}`, { key })).res.status).toBe(200);
    expect(errors).toHaveBeenCalledWith('sending an invitation failed', expect.objectContaining({ tenantId }));
    const logged = JSON.stringify(errors.mock.calls);
    expect(logged).not.toContain('lost@example.com');
    expect(logged).not.toContain('token');
  });
});

describe('invitations: POST …/users/{userId}/invitation', () => {
  it('sends a new link; the previous link stops working at once; the audit log records it', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-resend');
    const created = await admin(keyway, 'POST', users(tenantId), { key, body: { email: 'ada@example.com' } });
    const userId = String(created.body.id);
    const first = linkMailedTo('ada@example.com');
    expect((await open(first)).status).toBe(200);

    const again = await admin(keyway, 'POST', resend(tenantId, userId), { key });
    expect(again.res.status).toBe(200);
    expect(again.body).toEqual({ user_id: userId, expires_at: expect.any(String), sent: true });
    expect(invitationsTo('ada@example.com')).toHaveLength(2);
    const second = linkMailedTo('ada@example.com');
    expect(second).not.toBe(first);
    const dead = await open(first);
    expect(dead.status).toBe(410);
    expect(dead.html).toContain(
      'This invitation link has expired or was already used. Ask your administrator to send a new one.',
    );
    expect((await open(second)).status).toBe(200);

    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/audit-log`, { key });
    expect((log.body.items as Record<string, unknown>[])[0]).toMatchObject({
      action: 'user.invitation_sent',
      target: { type: 'user', id: userId },
      changes: { expires_at: again.body.expires_at },
    });
  });

  it('also for a user who already has a passkey (a lost device); the JSON body may be empty or absent', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-has-passkey');
    const person = await signedInUser(keyway, tenantId);
    const sent = await admin(keyway, 'POST', resend(tenantId, person.userId), { key, body: {} });
    expect(sent.res.status).toBe(200);
    expect(invitationsTo(person.email)).toHaveLength(1);
    const refused = await admin(keyway, 'POST', resend(tenantId, person.userId), { key, body: { ttl: 5 } });
    expect(refused.res.status).toBe(400);
  });

  it('an unknown user is 404, a suspended one 409; neither is sent anything', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-missing');
    const missing = await admin(keyway, 'POST', resend(tenantId, '5d0c6c1e-0000-4000-8000-000000000000'), { key });
    expect(missing.res.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not_found', detail: 'No such user.' });

    const created = await admin(keyway, 'POST', users(tenantId), {
      key,
      body: { email: 'paused@example.com', invite: false },
    });
    const userId = String(created.body.id);
    await admin(keyway, 'PATCH', `${users(tenantId)}/${userId}`, { key, body: { suspended: true } });
    const suspended = await admin(keyway, 'POST', resend(tenantId, userId), { key });
    expect(suspended.res.status).toBe(409);
    expect(keyway.mailbox.list('paused@example.com')).toEqual([]);
  });

  it("another tenant's key is 404 (No such tenant.), changes nothing and sends nothing", async () => {
    const victim = await tenantWithKey(keyway, 'inv-victim');
    const attacker = await tenantWithKey(keyway, 'inv-attacker');
    const created = await admin(keyway, 'POST', users(victim.tenantId), {
      key: victim.key,
      body: { email: 'target@example.com' },
    });
    const before = await tenantSnapshot(keyway, victim.tenantId);
    const r = await admin(keyway, 'POST', resend(victim.tenantId, String(created.body.id)), { key: attacker.key });
    expect(r.res.status).toBe(404);
    expect(r.body).toMatchObject({ detail: 'No such tenant.' });
    expect(await tenantSnapshot(keyway, victim.tenantId)).toEqual(before);
    expect(invitationsTo('target@example.com')).toHaveLength(1);
  });

  it('a changed address gets a new link; the link sent to the old address no longer works', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'inv-moved');
    const created = await admin(keyway, 'POST', users(tenantId), { key, body: { email: 'old@example.com' } });
    const userId = String(created.body.id);
    const oldLink = linkMailedTo('old@example.com');
    await admin(keyway, 'PATCH', `${users(tenantId)}/${userId}`, { key, body: { email: 'new@example.com' } });
    // Accepting it would prove the old address, not the account's current one.
    expect((await open(oldLink)).status).toBe(410);
    await admin(keyway, 'POST', resend(tenantId, userId), { key });
    expect((await open(linkMailedTo('new@example.com'))).status).toBe(200);
  });
});
