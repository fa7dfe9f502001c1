import { describe, expect, it } from 'vitest';
import { ActionsSetting, decide } from '../../../lambdas/core/actions/rules.ts';

const actions = ActionsSetting.parse({
  withdraw: {
    rules: [
      { when: [{ field: 'country', op: 'in', value: ['KP', 'IR'] }], outcome: 'BLOCK' },
      { when: [{ field: 'amount', op: 'lt', value: 100 }], outcome: 'ALLOW' },
      {
        when: [
          { field: 'trusted', op: 'eq', value: true },
          { field: 'device', op: 'exists' },
        ],
        outcome: 'ALLOW',
      },
    ],
    default: 'CHALLENGE',
  },
  lenient: { default: 'ALLOW' },
});

describe('step-up rules (first rule that holds decides; fail safe when the request cannot say)', () => {
  it('the first rule whose conditions all hold decides', () => {
    expect(decide(actions, 'withdraw', { country: 'DE', amount: 20 })).toBe('ALLOW');
    expect(decide(actions, 'withdraw', { country: 'KP', amount: 20 })).toBe('BLOCK');
    expect(decide(actions, 'withdraw', { country: 'DE', amount: 5000, trusted: true, device: 'x' })).toBe('ALLOW');
  });

  it('no rule holds: the action’s default, and an action without rules (or unknown) is challenged', () => {
    expect(decide(actions, 'withdraw', { country: 'DE', amount: 5000 })).toBe('CHALLENGE');
    expect(decide(actions, 'lenient', {})).toBe('ALLOW');
    expect(decide(actions, 'unknown', {})).toBe('CHALLENGE');
    expect(decide(actions, '__proto__', {})).toBe('CHALLENGE');
    expect(decide(undefined, 'withdraw', {})).toBe('CHALLENGE');
  });

  it('a field the request leaves out does not escape a BLOCK, nor earn an ALLOW', () => {
    // country missing: the BLOCK rule cannot be ruled out.
    expect(decide(actions, 'withdraw', { amount: 20 })).toBe('BLOCK');
    const allowSmall = ActionsSetting.parse({
      pay: { rules: [{ when: [{ field: 'amount', op: 'lt', value: 100 }], outcome: 'ALLOW' }], default: 'ALLOW' },
    });
    expect(decide(allowSmall, 'pay', {})).toBe('CHALLENGE');
  });

  it('a value of another type than the rule compares with (an amount sent as a string) is a challenge, not a pass', () => {
    const big = ActionsSetting.parse({
      pay: { rules: [{ when: [{ field: 'amount', op: 'gte', value: 100 }], outcome: 'CHALLENGE' }], default: 'ALLOW' },
    });
    expect(decide(big, 'pay', { amount: '5000' })).toBe('CHALLENGE');
    expect(decide(big, 'pay', { amount: 50 })).toBe('ALLOW');
  });

  it('order comparisons take numbers only, and the rule set is bounded', () => {
    expect(() =>
      ActionsSetting.parse({ pay: { rules: [{ when: [{ field: 'a', op: 'gt', value: '100' }], outcome: 'ALLOW' }] } }),
    ).toThrow();
    expect(() =>
      ActionsSetting.parse({
        pay: { rules: Array.from({ length: 21 }, () => ({ when: [], outcome: 'ALLOW' })) },
      }),
    ).toThrow();
  });
});
