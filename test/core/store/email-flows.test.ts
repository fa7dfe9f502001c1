import { beforeAll, describe, expect, it } from 'vitest';
import type { EmailFlow } from '../../../lambdas/core/store/email-flows.ts';
import {
  EMAIL_CODE_MAX_ATTEMPTS,
  EMAIL_CODE_TTL_SECONDS,
  EMAIL_CODES_PER_ADDRESS,
  isFlowOpen,
  newEmailCode,
  VERIFIED_FLOW_TTL_SECONDS,
} from '../../../lambdas/core/store/email-flows.ts';
import type { Store } from '../../../lambdas/core/store/store.ts';
import { commit } from '../../../lambdas/core/store/transaction.ts';
import { createTestStore, ManualClock } from '../../support/store.ts';

let store: Store;
let clock: ManualClock;
beforeAll(async () => {
  clock = new ManualClock();
  ({ store } = await createTestStore(clock));
});

let counter = 0;
async function newFlow(options: { working: boolean } = { working: true }): Promise<EmailFlow> {
  counter += 1;
  return store.emailFlows.createFlow(
    { tenantId: 'acme', purpose: 'signup', email: `ada${counter}@example.com`, interactionId: `int-${counter}` },
    options.working ? '123456' : undefined,
  );
}

describe('email codes (store/email-flows.ts)', () => {
  it('draws six-digit codes', () => {
    for (let i = 0; i < 50; i++) expect(newEmailCode()).toMatch(/^\d{6}$/);
  });

  it('stores the code only as a hash', async () => {
    const flow = await store.emailFlows.createFlow(
      { tenantId: 'acme', purpose: 'signup', email: 'hash@example.com', interactionId: 'int-hash' },
      '654321',
    );
    const item = await store.table.get({ pk: `T#acme#EF#${flow.id}`, sk: 'EF' }, true);
    expect(JSON.stringify(item)).not.toContain('654321');
    expect(item?.codeHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('verifies the right code once, for its own interaction only', async () => {
    const flow = await newFlow();
    expect((await store.emailFlows.checkCode('acme', flow.id, 'another-interaction', '123456')).outcome).toBe(
      'not-found',
    );
    const first = await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456');
    expect(first.outcome).toBe('verified');
    if (first.outcome === 'verified') expect(isFlowOpen(first.flow, Math.floor(clock.now() / 1000))).toBe(true);
    expect((await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456')).outcome).toBe(
      'already-verified',
    );
  });

  it(`refuses after ${EMAIL_CODE_MAX_ATTEMPTS} wrong tries, even the right code`, async () => {
    const flow = await newFlow();
    for (let left = EMAIL_CODE_MAX_ATTEMPTS - 1; left > 0; left--)
      expect(await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '000000')).toEqual({
        outcome: 'wrong',
        attemptsLeft: left,
      });
    expect((await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '000000')).outcome).toBe('exhausted');
    expect((await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456')).outcome).toBe('exhausted');
  });

  it('counts parallel guesses: no more than the allowed number are ever compared', async () => {
    const flow = await newFlow();
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.emailFlows.checkCode('acme', flow.id, flow.interactionId, String(100000 + i)),
      ),
    );
    const compared = guesses.filter((g) => g.outcome === 'wrong').length;
    expect(compared).toBeLessThanOrEqual(EMAIL_CODE_MAX_ATTEMPTS - 1);
    expect(guesses.filter((g) => g.outcome === 'exhausted').length).toBeGreaterThanOrEqual(
      20 - EMAIL_CODE_MAX_ATTEMPTS,
    );
    const stored = await store.table.get({ pk: `T#acme#EF#${flow.id}`, sk: 'EF' }, true);
    expect(stored?.attempts).toBe(EMAIL_CODE_MAX_ATTEMPTS);
  });

  it('lets only one of two concurrent right answers verify the code', async () => {
    const flow = await newFlow();
    const both = await Promise.all([
      store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456'),
      store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456'),
    ]);
    expect(both.map((r) => r.outcome).sort()).toEqual(['already-verified', 'verified']);
  });

  it(`expires the code after ${EMAIL_CODE_TTL_SECONDS / 60} minutes`, async () => {
    const flow = await newFlow();
    clock.advance(EMAIL_CODE_TTL_SECONDS);
    expect((await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456')).outcome).toBe('expired');
  });

  it('a flow without a working code (registered sign-up, unknown recovery) answers every code as wrong', async () => {
    const flow = await newFlow({ working: false });
    expect(flow.usable).toBe(false);
    expect(await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456')).toEqual({
      outcome: 'wrong',
      attemptsLeft: EMAIL_CODE_MAX_ATTEMPTS - 1,
    });
  });

  it('completes a verified flow exactly once, and not after its window', async () => {
    const flow = await newFlow();
    const check = await store.emailFlows.checkCode('acme', flow.id, flow.interactionId, '123456');
    if (check.outcome !== 'verified') throw new Error(check.outcome);
    const failed = () => new Error('flow used');
    const results = await Promise.allSettled([
      commit(store.table, [store.emailFlows.completeFlow(check.flow, failed)]),
      commit(store.table, [store.emailFlows.completeFlow(check.flow, failed)]),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);

    const late = await newFlow();
    const lateCheck = await store.emailFlows.checkCode('acme', late.id, late.interactionId, '123456');
    if (lateCheck.outcome !== 'verified') throw new Error(lateCheck.outcome);
    clock.advance(VERIFIED_FLOW_TTL_SECONDS + 1);
    expect(isFlowOpen(lateCheck.flow, Math.floor(clock.now() / 1000))).toBe(false);
    await expect(commit(store.table, [store.emailFlows.completeFlow(lateCheck.flow, failed)])).rejects.toThrow(
      'flow used',
    );
  });

  it(`sends at most ${EMAIL_CODES_PER_ADDRESS} codes to one address per window, counted atomically`, async () => {
    const results = await Promise.all(
      Array.from({ length: EMAIL_CODES_PER_ADDRESS + 3 }, () =>
        store.emailFlows.countCodeSent('acme', 'bomb@example.com'),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(EMAIL_CODES_PER_ADDRESS);
    expect(await store.emailFlows.countCodeSent('acme', 'other@example.com')).toBe(true);
    expect(await store.emailFlows.countCodeSent('other-tenant', 'bomb@example.com')).toBe(true);
  });
});
