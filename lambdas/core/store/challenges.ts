import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken } from '../crypto.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';
import type { User } from './users.ts';

export interface Challenge {
  readonly tenantId: string;
  readonly id: string;
  readonly purpose: 'registration' | 'authentication';
  /** base64url WebAuthn challenge. */
  readonly challenge: string;
  readonly interactionId: string;
  /** Registration: the account being created, held until the passkey is verified. */
  readonly pendingUser?: User;
  /** Registration after an emailed code (store/email-flows.ts): the flow the new passkey completes. */
  readonly emailFlowId?: string;
  readonly expiresAt: number;
}

const CHALLENGE_TTL = 5 * 60;

/** WebAuthn challenges: created per ceremony, consumed exactly once. */
export class ChallengeRepository {
  constructor(private readonly table: Table) {}

  async createChallenge(challenge: Omit<Challenge, 'id' | 'expiresAt'>): Promise<Challenge> {
    const full: Challenge = {
      ...challenge,
      id: randomToken(18),
      expiresAt: epochSeconds(this.table.clock) + CHALLENGE_TTL,
    };
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.challenge(full.tenantId, full.id), type: 'challenge', ...full, ttl: full.expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return full;
  }

  /** Single use: a conditional delete that returns the challenge only to the one caller that removed it. */
  async consumeChallenge(tenantId: string, id: string): Promise<Challenge | undefined> {
    try {
      const out = await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.challenge(tenantId, id),
          ConditionExpression: 'attribute_exists(pk) AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epochSeconds(this.table.clock) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes ? strip<Challenge>(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }
}
