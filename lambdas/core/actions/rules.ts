import * as z from 'zod/mini';

/**
 * Step-up actions (the Authsignal pattern): a backend asks Keyway to confirm one action of a known user ("withdraw",
 * "change-email"); a per-tenant rule set decides, before any challenge, what happens:
 * - `ALLOW`: no ceremony; the flow ends at once with a code;
 * - `CHALLENGE`: a passkey ceremony with one of this user's passkeys;
 * - `BLOCK`: no ceremony; the flow ends at once with a code that says so.
 * The first rule whose condition holds over the request's `custom` fields decides; none: the action's `default`,
 * else CHALLENGE. An action without a configuration is challenged.
 */
export const DECISIONS = ['ALLOW', 'CHALLENGE', 'BLOCK'] as const;
export type Decision = (typeof DECISIONS)[number];

/** What the access token's `action_state` says happened. */
export type ActionState = 'ALLOW' | 'BLOCK' | 'CHALLENGE_SUCCEEDED' | 'CHALLENGE_FAILED';

/** The step-up action a code and its tokens are the answer to: `action`, `action_state` and `action_id` claims. */
export interface ActionOutcome {
  readonly id: string;
  readonly name: string;
  readonly state: ActionState;
}

export const ACTION_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const FIELD_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const scalar = z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof scalar>;

/**
 * Comparisons over one `custom` field: `eq`/`ne` with one value, the order comparisons with a number (a string's
 * order is no amount's: "999" > "1000"), `in` with a list, `exists` with none.
 */
const Condition = z.union([
  z.strictObject({ field: z.string().check(z.regex(FIELD_NAME)), op: z.enum(['eq', 'ne']), value: scalar }),
  z.strictObject({
    field: z.string().check(z.regex(FIELD_NAME)),
    op: z.enum(['gt', 'gte', 'lt', 'lte']),
    value: z.number(),
  }),
  z.strictObject({
    field: z.string().check(z.regex(FIELD_NAME)),
    op: z.literal('in'),
    value: z.array(scalar).check(z.minLength(1), z.maxLength(50)),
  }),
  z.strictObject({ field: z.string().check(z.regex(FIELD_NAME)), op: z.literal('exists') }),
]);
export type Condition = z.infer<typeof Condition>;

export const ActionConfig = z.strictObject({
  /** Evaluated in order; all conditions of a rule must hold (an empty list always holds). */
  rules: z.optional(
    z
      .array(z.strictObject({ when: z.array(Condition).check(z.maxLength(10)), outcome: z.enum(DECISIONS) }))
      .check(z.maxLength(20)),
  ),
  default: z.optional(z.enum(DECISIONS)),
});
export type ActionConfig = z.infer<typeof ActionConfig>;

/** `settings.actions`: the rule set per action name. */
export const ActionsSetting = z
  .record(z.string().check(z.regex(ACTION_NAME)), ActionConfig)
  .check(z.refine((actions) => Object.keys(actions).length <= 50, { message: 'at most 50 actions' }));
export type ActionsSetting = z.infer<typeof ActionsSetting>;

/** What a backend may send about the action (`custom`): flat scalars, bounded. */
export const CustomFields = z
  .record(z.string().check(z.regex(FIELD_NAME)), scalar)
  .check(z.refine((fields) => Object.keys(fields).length <= 50, { message: 'at most 50 custom fields' }));
export type CustomFields = z.infer<typeof CustomFields>;

/**
 * Whether a condition holds; `unknown` when the request cannot say: the field is missing, or of another type than the
 * rule compares with (an amount sent as the string "5000"). Unknown never counts as false: see decide.
 */
function holds(condition: Condition, custom: CustomFields): boolean | 'unknown' {
  const actual = Object.hasOwn(custom, condition.field) ? custom[condition.field] : undefined;
  if (condition.op === 'exists') return actual !== undefined;
  if (actual === undefined) return 'unknown';
  if (condition.op === 'in') {
    if (!condition.value.some((v) => typeof v === typeof actual)) return 'unknown';
    return condition.value.some((v) => v === actual);
  }
  if (typeof actual !== typeof condition.value) return 'unknown';
  if (condition.op === 'eq') return actual === condition.value;
  if (condition.op === 'ne') return actual !== condition.value;
  const [a, b] = [actual as number, condition.value as number];
  return condition.op === 'gt' ? a > b : condition.op === 'gte' ? a >= b : condition.op === 'lt' ? a < b : a <= b;
}

const STRICTNESS: Readonly<Record<Decision, number>> = { ALLOW: 0, CHALLENGE: 1, BLOCK: 2 };

/** The decision for `action` with these `custom` fields under the tenant's rule set. */
export function decide(actions: ActionsSetting | undefined, action: string, custom: CustomFields): Decision {
  const config = actions && Object.hasOwn(actions, action) ? actions[action] : undefined;
  for (const rule of config?.rules ?? []) {
    const results = rule.when.map((c) => holds(c, custom));
    if (results.includes(false)) continue;
    if (!results.includes('unknown')) return rule.outcome;
    // A rule the request cannot rule out fails safe: the stricter of its outcome and a challenge (a missing amount
    // does not earn an ALLOW, and a missing country does not escape a BLOCK).
    return STRICTNESS[rule.outcome] >= STRICTNESS.CHALLENGE ? rule.outcome : 'CHALLENGE';
  }
  return config?.default ?? 'CHALLENGE';
}
