import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActionState, CustomFields, Decision } from '../actions/rules.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/**
 * One step-up action a backend started with `POST {issuer}/init-auth`: for whom, what for, what the tenant's rules
 * decided, and (once it ended) what happened. The init token names it by `id` (its `jti`); authorize claims it once,
 * and it ends once, with its `action.completed` event and audit entry in the same transaction.
 */
export interface StepUp {
  readonly tenantId: string;
  readonly id: string;
  readonly userId: string;
  readonly action: string;
  /** The client the flow must come from (`appId`); absent: any client of the tenant. */
  readonly clientId?: string;
  /** The scopes the flow may ask for; absent: whatever the client may. */
  readonly scope?: string;
  readonly custom: CustomFields;
  readonly redirectToSettings: boolean;
  readonly decision: Decision;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly claimedAt?: number;
  readonly state?: ActionState;
  readonly completedAt?: number;
}

/** The init token's lifetime (the issue: at most 10 minutes). */
export const STEP_UP_TTL = 10 * 60;
/** Kept a day after it expires, for the audit trail of what a token did. */
const RECORD_TTL = 24 * 3600;

export class StepUpRepository {
  constructor(private readonly table: Table) {}

  async create(stepUp: StepUp): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.stepUp(stepUp.tenantId, stepUp.id),
          type: 'step-up',
          ...stepUp,
          ttl: stepUp.expiresAt + RECORD_TTL,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async find(tenantId: string, id: string): Promise<StepUp | undefined> {
    const item = await this.table.get(keys.stepUp(tenantId, id), true);
    return item ? strip<StepUp>(item) : undefined;
  }

  /**
   * Spends the init token at authorize: one conditional update, so a replayed, expired or unknown token gets
   * undefined and two tabs cannot both start the flow.
   */
  async claim(tenantId: string, id: string, userId: string, now: number): Promise<StepUp | undefined> {
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.stepUp(tenantId, id),
          UpdateExpression: 'SET claimedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(claimedAt) AND expiresAt > :now AND userId = :user',
          ExpressionAttributeValues: { ':now': now, ':user': userId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? strip<StepUp>(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** Records the outcome, once: a second ending of the same flow (a replayed verify, Cancel after success) fails. */
  completePart(tenantId: string, id: string, state: ActionState, now: number, onDone: () => Error): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.stepUp(tenantId, id),
          UpdateExpression: 'SET #state = :state, completedAt = :now',
          ConditionExpression: 'attribute_exists(claimedAt) AND attribute_not_exists(completedAt)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ':now': now },
        },
      },
      onConditionFailed: onDone,
    };
  }
}
