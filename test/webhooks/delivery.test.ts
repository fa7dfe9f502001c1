import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { basicAuth, getCode, redeem, registerClient, signedInUser, tokenRequest } from '../support/oidc.ts';
import { eventually, Receiver, subscribe } from '../support/webhooks.ts';

let keyway: LocalKeyway;
let receiver: Receiver;

beforeAll(async () => {
  // Attempts at 0, 200 ms and 400 ms: the production schedule's shape, shortened (WEBHOOK_RETRY_SCHEDULE).
  keyway = await startTestKeyway({ webhookRetrySchedule: '0s,200ms,200ms' });
  receiver = await Receiver.start();
});
afterAll(async () => {
  await keyway?.stop();
  await receiver?.stop();
});
beforeEach(() => {
  receiver.respond = () => 204;
});

const SECRET_PATTERNS = [/kws_[A-Za-z0-9_-]{20,}/, /kw_sk_/, /whsec_/, /"secret/, /Hash"/];

function typesAt(path: string): string[] {
  return receiver.at(path).map((r) => r.event.type);
}

describe('events of real changes reach subscribers, signed (Standard Webhooks)', () => {
  it('admin changes to clients, keys and users each deliver their event, verified by standardwebhooks', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-admin');
    await subscribe(keyway, tenantId, receiver, '/admin-all');
    const client = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
      key,
      body: { redirect_uris: ['https://app.example.com/cb'] },
    });
    const clientPath = `/admin/tenants/${tenantId}/clients/${client.body.client_id}`;
    await admin(keyway, 'PATCH', clientPath, { key, body: { client_name: 'Renamed' } });
    await admin(keyway, 'POST', `${clientPath}/secret`, { key, body: {} });
    await admin(keyway, 'DELETE', clientPath, { key });
    const apiKey = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { key, body: { name: 'x' } });
    await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/api-keys/${apiKey.body.id}`, { key });
    const user = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, {
      key,
      body: { email: 'ada@example.com' },
    });
    const userPath = `/admin/tenants/${tenantId}/users/${user.body.id}`;
    await admin(keyway, 'PATCH', userPath, { key, body: { given_name: 'Ada' } });
    await admin(keyway, 'PATCH', userPath, { key, body: { suspended: true } });
    await admin(keyway, 'DELETE', userPath, { key });

    const expected = [
      'client.created',
      'client.updated',
      'client.secret_rotated',
      'client.deleted',
      'api_key.created',
      'api_key.revoked',
      'user.created',
      'user.updated',
      'user.suspended',
      'user.deleted',
    ];
    await eventually(() => expected.every((t) => typesAt('/admin-all').includes(t)), 10_000, 'admin events');
    const got = receiver.at('/admin-all');
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.every((r) => r.event.tenant_id === tenantId && /^evt_[0-9A-Z]{26}$/.test(r.id))).toBe(true);
    for (const r of got) expect(r.id).toBe(r.event.id);
    for (const r of got) for (const pattern of SECRET_PATTERNS) expect(r.body).not.toMatch(pattern);
    // Suspension also ends the user's sessions: receivers that mirror sessions hear it as such.
    expect(got.find((r) => r.event.type === 'session.revoked')?.event.data).toMatchObject({
      user_id: user.body.id,
      reason: 'suspended',
    });
    expect(got.find((r) => r.event.type === 'user.created')?.event.data).toMatchObject({
      id: user.body.id,
      email: 'ada@example.com',
    });
  });

  it('sign-up, sign-in, refresh-token reuse, revocation and logout deliver their events', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'wh-flows');
    // No grace window: the second use of a rotated refresh token is a reuse.
    await admin(keyway, 'PATCH', `/admin/tenants/${tenantId}`, { body: { settings: { refreshGraceSeconds: 0 } } });
    await subscribe(keyway, tenantId, receiver, '/flows');
    const client = await registerClient(keyway, tenantId);
    const ctx = { tenantId, client };
    const user = await signedInUser(keyway, tenantId);
    // Refresh-token reuse (RFC 9700 §4.14.2) revokes the family.
    const first = await getCode(keyway, ctx, user.cookie);
    const tokens = await redeem(keyway, ctx, first.code, first.verifier);
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string };
    const auth = { Authorization: basicAuth(client) };
    expect((await tokenRequest(keyway, tenantId, refresh, auth)).res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100)); // rotation times are in whole seconds
    expect((await tokenRequest(keyway, tenantId, refresh, auth)).body.error).toBe('invalid_grant');
    // RFC 7009 revocation of another family.
    const second = await getCode(keyway, ctx, user.cookie);
    const more = await redeem(keyway, ctx, second.code, second.verifier);
    const revoked = await fetch(`${keyway.url}/${tenantId}/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...auth },
      body: new URLSearchParams({ token: more.body.refresh_token as string }),
    });
    expect(revoked.status).toBe(200);
    // RP-initiated logout, confirmed by the id_token_hint of this user.
    const logout = new URL(`${keyway.url}/${tenantId}/end-session`);
    logout.searchParams.set('id_token_hint', more.body.id_token as string);
    expect((await fetch(logout, { headers: { cookie: user.cookie }, redirect: 'manual' })).status).toBeLessThan(400);

    await eventually(
      () =>
        receiver.at('/flows').filter((r) => r.event.type === 'token.revoked').length >= 2 &&
        typesAt('/flows').includes('session.revoked'),
      10_000,
      'flow events',
    );
    const got = receiver.at('/flows');
    expect(got.every((r) => r.verified)).toBe(true);
    const data = (type: string) => got.filter((r) => r.event.type === type).map((r) => r.event.data);
    expect(data('user.created')[0]).toMatchObject({ id: user.userId });
    expect(data('passkey.added')[0]).toMatchObject({ user_id: user.userId });
    expect(data('user.signed_in')[0]).toMatchObject({ user_id: user.userId, amr: ['hwk', 'user'] });
    expect(
      data('token.revoked')
        .map((d) => d.reason)
        .sort(),
    ).toEqual(['reuse_detected', 'revocation']);
    expect(data('token.revoked')[0]).toMatchObject({ client_id: client.client_id, user_id: user.userId });
    expect(data('session.revoked')[0]).toMatchObject({ user_id: user.userId, reason: 'logout' });
    for (const r of got) for (const pattern of SECRET_PATTERNS) expect(r.body).not.toMatch(pattern);
    expect(JSON.stringify(got.map((r) => r.body))).not.toContain(tokens.body.refresh_token as string);
  });

  it('a subscription receives only the types it chose', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-filter');
    await subscribe(keyway, tenantId, receiver, '/only-users', ['user.created']);
    await subscribe(keyway, tenantId, receiver, '/sentinel');
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { key, body: { name: 'k' } });
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email: 'b@example.com' } });
    await eventually(() => typesAt('/sentinel').length >= 2, 10_000, 'sentinel');
    await eventually(() => typesAt('/only-users').length >= 1, 10_000, 'user.created');
    expect(typesAt('/only-users')).toEqual(['user.created']);
  });
});

describe('retries (same webhook-id every time), failure and replay', () => {
  it('a receiver that fails the first 2 attempts gets exactly one success per event, with the same webhook-id', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-retry');
    const hook = await subscribe(keyway, tenantId, receiver, '/flaky');
    receiver.respond = ({ path, attempt }) => (path === '/flaky' && attempt <= 2 ? 503 : 204);
    for (const email of ['r1@example.com', 'r2@example.com', 'r3@example.com'])
      await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email } });
    await eventually(() => receiver.at('/flaky').filter((r) => r.answered === 204).length >= 3, 15_000, 'successes');
    const got = receiver.at('/flaky');
    const ids = [...new Set(got.map((r) => r.id))];
    expect(ids).toHaveLength(3);
    for (const id of ids) {
      const attempts = got.filter((r) => r.id === id);
      expect(attempts.map((r) => r.answered)).toEqual([503, 503, 204]);
      expect(attempts.every((r) => r.verified)).toBe(true);
    }
    const log = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/webhooks/${hook.id}/deliveries`, { key });
    expect(log.res.status).toBe(200);
    const items = log.body.items as { status: string; attempts: { response_status: number; error_class: string }[] }[];
    expect(items).toHaveLength(3);
    for (const d of items) {
      expect(d.status).toBe('delivered');
      expect(d.attempts.map((a) => a.response_status)).toEqual([503, 503, 204]);
      expect(d.attempts[0]!.error_class).toBe('http_status');
    }
  });

  it('an always-failing receiver ends failed and dead-lettered; a replay succeeds once it recovers', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-dead');
    const hook = await subscribe(keyway, tenantId, receiver, '/down');
    receiver.respond = ({ path }) => (path === '/down' ? 500 : 204);
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email: 'd@example.com' } });
    const base = `/admin/tenants/${tenantId}/webhooks/${hook.id}/deliveries`;
    const failed = await eventually(
      async () => {
        const r = await admin(keyway, 'GET', `${base}?status=failed`, { key });
        return (r.body.items as { id: string; attempts: unknown[] }[])[0];
      },
      10_000,
      'a failed delivery',
    );
    if (!failed) throw new Error('unreachable');
    expect(failed.attempts).toHaveLength(3);
    expect(receiver.at('/down')).toHaveLength(3);
    const dead = await keyway.webhookQueue.deadLetters();
    expect(dead.some((d) => d.message.kind === 'attempt' && d.message.deliveryId === failed.id)).toBe(true);

    receiver.respond = () => 204;
    const replay = await admin(keyway, 'POST', `${base}/${failed.id}/replay`, { key, body: {} });
    expect(replay.res.status).toBe(202);
    await eventually(() => receiver.at('/down').some((r) => r.answered === 204), 10_000, 'replayed delivery');
    const ok = receiver.at('/down');
    expect(new Set(ok.map((r) => r.id)).size).toBe(1);
    expect(ok.at(-1)!.verified).toBe(true);
    const after = await admin(keyway, 'GET', `${base}?status=delivered`, { key });
    expect((after.body.items as { id: string; attempts: { replay: boolean }[] }[])[0]).toMatchObject({
      id: failed.id,
    });
  });

  it('bulk replay attempts every failed delivery of a time range again', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-bulk');
    const hook = await subscribe(keyway, tenantId, receiver, '/bulk');
    const since = new Date(Date.now() - 1000).toISOString();
    receiver.respond = ({ path }) => (path === '/bulk' ? 500 : 204);
    for (const email of ['b1@example.com', 'b2@example.com'])
      await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email } });
    const base = `/admin/tenants/${tenantId}/webhooks/${hook.id}/deliveries`;
    await eventually(
      async () => {
        const r = await admin(keyway, 'GET', `${base}?status=failed`, { key });
        return (r.body.items as unknown[]).length === 2;
      },
      10_000,
      'two failed deliveries',
    );
    receiver.respond = () => 204;
    // Resuming behind the oldest one (what a truncated call's next_after is for) replays only the newer one.
    const failedIds = (
      (await admin(keyway, 'GET', `${base}?status=failed`, { key })).body.items as { id: string }[]
    ).map((d) => d.id);
    const oldest = [...failedIds].sort()[0]!;
    const resumed = await admin(keyway, 'POST', `${base}/replay`, { key, body: { since, after: oldest } });
    expect(resumed.body).toMatchObject({ replayed: 1, truncated: false, next_after: null });
    const newer = failedIds.filter((id) => id !== oldest);
    expect(resumed.body.delivery_ids).toEqual(newer);
    await eventually(
      async () => {
        const r = await admin(keyway, 'GET', `${base}?status=delivered`, { key });
        return (r.body.items as { id: string }[]).some((d) => d.id === newer[0]);
      },
      10_000,
      'the resumed replay delivered',
    );
    // The whole range again: only the one still failed.
    const bulk = await admin(keyway, 'POST', `${base}/replay`, { key, body: { since } });
    expect(bulk.res.status).toBe(202);
    expect(bulk.body).toMatchObject({ replayed: 1, truncated: false, delivery_ids: [oldest] });
    await eventually(() => receiver.at('/bulk').filter((r) => r.answered === 204).length >= 2, 10_000, 'replays');
    // A range from before 1970 is just "everything": no 500 from an id that cannot be before the epoch.
    const ancient = await admin(keyway, 'POST', `${base}/replay`, { key, body: { since: '1969-12-31T00:00:00Z' } });
    expect(ancient.res.status).toBe(202);
  });

  it('RFC 9110 §15.5.11: a 410 disables the subscription and emits webhook.disabled', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-gone');
    const gone = await subscribe(keyway, tenantId, receiver, '/gone');
    await subscribe(keyway, tenantId, receiver, '/watcher');
    receiver.respond = ({ path }) => (path === '/gone' ? 410 : 204);
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email: 'g@example.com' } });
    const disabled = await eventually(
      () => receiver.at('/watcher').find((r) => r.event.type === 'webhook.disabled'),
      10_000,
      'webhook.disabled',
    );
    if (!disabled) throw new Error('unreachable');
    expect(disabled.event.data).toMatchObject({ webhook_id: gone.id, reason: 'gone' });
    expect(receiver.at('/gone')).toHaveLength(1); // no retries after a 410
    const state = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/webhooks/${gone.id}`, { key });
    expect(state.body).toMatchObject({ enabled: false, disabled_reason: 'gone' });
  });

  it('a receiver that hangs does not hold up another subscription', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-hang');
    await subscribe(keyway, tenantId, receiver, '/hangs');
    await subscribe(keyway, tenantId, receiver, '/prompt');
    receiver.respond = ({ path }) => (path === '/hangs' ? 'hang' : 204);
    const started = Date.now();
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/users`, { key, body: { email: 'h@example.com' } });
    await eventually(() => receiver.at('/prompt').length >= 1, 5_000, 'the prompt receiver');
    expect(receiver.at('/prompt')[0]?.event.type).toBe('user.created');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('subscriptions', () => {
  it('rotating the secret signs with both secrets during the overlap, each verifiable', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-rotate');
    const hook = await subscribe(keyway, tenantId, receiver, '/rotating');
    const rotated = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks/${hook.id}/rotate-secret`, {
      key,
      body: {},
    });
    expect(rotated.res.status).toBe(200);
    const next = rotated.body.secret as string;
    expect(next).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(next).not.toBe(hook.secret);
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks/${hook.id}/test`, { key, body: {} });
    const r = await eventually(() => receiver.at('/rotating')[0], 10_000, 'test event');
    if (!r) throw new Error('unreachable');
    expect(r.signature.split(' ')).toHaveLength(2);
    receiver.secrets.set('/only-new', [next]);
    receiver.secrets.set('/only-old', [hook.secret]);
    const { Webhook } = await import('standardwebhooks');
    const headers = { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature };
    expect(() => new Webhook(next).verify(r.body, headers)).not.toThrow();
    expect(() => new Webhook(hook.secret).verify(r.body, headers)).not.toThrow();
    // Overlap 0: the old secret stops signing at once.
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks/${hook.id}/rotate-secret`, {
      key,
      body: { overlap_seconds: 0 },
    });
  });

  it('the test endpoint sends webhook.test to that subscription only, through the pipeline', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-test');
    const target = await subscribe(keyway, tenantId, receiver, '/tested');
    await subscribe(keyway, tenantId, receiver, '/bystander');
    const sent = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks/${target.id}/test`, {
      key,
      body: {},
    });
    expect(sent.res.status).toBe(202);
    const got = await eventually(() => receiver.at('/tested')[0], 10_000, 'webhook.test');
    if (!got) throw new Error('unreachable');
    expect(got).toMatchObject({ id: sent.body.event_id, verified: true });
    expect(got.event).toMatchObject({ type: 'webhook.test', data: { webhook_id: target.id } });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/bystander')).toHaveLength(0);
  });

  it('refuses a bad URL, an unknown event type or an over-long description with 400, storing nothing', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'wh-bad');
    const bad = [
      { url: 'not a url', events: ['*'] },
      { url: 'http://10.0.0.5/hook', events: ['*'] }, // private, even in local mode
      { url: 'ftp://example.com/', events: ['*'] },
      { url: 'https://user:pw@example.com/', events: ['*'] },
      { url: `${receiver.url}/x`, events: ['user.exploded'] },
      { url: `${receiver.url}/x`, events: [] },
      { url: `${receiver.url}/x`, events: ['*', 'user.created'] },
      { url: `${receiver.url}/x`, events: ['*'], description: 'd'.repeat(201) },
    ];
    for (const body of bad) {
      const r = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/webhooks`, { key, body });
      expect(r.res.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ status: 400 });
    }
    const list = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/webhooks`, { key });
    expect(list.body.items).toEqual([]);
  });

  it('the signing secret is shown once and stored nowhere (derived from the local key)', async () => {
    const { tenantId } = await tenantWithKey(keyway, 'wh-secret');
    const hook = await subscribe(keyway, tenantId, receiver, '/secret-check');
    const item = await keyway.store.table.get({ pk: `T#${tenantId}`, sk: `WEBHOOK#${hook.id}` });
    const raw = hook.secret.slice('whsec_'.length);
    expect(JSON.stringify(item)).not.toContain(raw);
    const read = await admin(keyway, 'GET', `/admin/tenants/${tenantId}/webhooks/${hook.id}`);
    expect(JSON.stringify(read.body)).not.toContain(raw);
    expect(read.body).not.toHaveProperty('secret');
  });
});
