import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingAction } from '../actions/step-up.ts';
import { epochSeconds } from '../clock.ts';
import { randomToken } from '../crypto.ts';
import type { AcrRequest } from '../oidc/acr.ts';
import type { ConsentPolicy } from '../oidc/consent.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/** A validated authorization request waiting for the user to sign in on the hosted pages. */
export interface Interaction {
  readonly tenantId: string;
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  /** The resource (RFC 8707 identifier) the tokens will be for. */
  readonly resource?: string;
  readonly codeChallenge: string;
  readonly prompt?: string;
  readonly maxAge?: number;
  /** The authentication context class the client asked for (`acr_values`, or an `acr` claim request). */
  readonly acr?: AcrRequest;
  readonly loginHint?: string;
  readonly uiLocales?: string;
  /**
   * Set when the sign-in is for the device page (RFC 8628): after it, the browser goes back there with this user code
   * (normalized) instead of receiving an authorization code.
   */
  readonly deviceUserCode?: string;
  /**
   * Set when the sign-in is for Keyway's own account page (no client): afterwards the browser goes to
   * `{issuer}/account` with a fresh session instead of receiving an authorization code.
   */
  readonly returnTo?: 'account';
  /**
   * Only this account may complete the sign-in (a re-authentication before a sensitive action, an invitation): the
   * ceremony offers only its passkeys, and a passkey of anyone else is refused.
   */
  readonly expectedUserId?: string;
  /**
   * `add-passkey`: the interaction enrolls a new passkey for `expectedUserId` (the account page's "add a passkey", an
   * invitation) instead of signing in with one.
   */
  readonly intent?: 'add-passkey';
  /**
   * Set by an invitation to the address it was sent to: enrolling the passkey proves that address (`email_verified`
   * becomes true), provided it is still the account's when the enrollment commits.
   */
  readonly verifiesEmail?: string;
  /**
   * Whether the user is asked before the code is issued (decided by authorize from the request and the client; see
   * oidc/consent.ts). Absent: never; no consent is read.
   */
  readonly consent?: ConsentPolicy;
  /**
   * Set once the user signed in and the consent page is awaited: who signed in and how, for the code the Allow
   * issues. The interaction ends only with the answer (Allow or Deny).
   */
  readonly consentFor?: ConsentFor;
  /**
   * Set when the sign-in is a step-up action's challenge (init-auth): only `expectedUserId`'s passkeys, the outcome
   * recorded on the action, and the code carries it. Cancel ends it with CHALLENGE_FAILED.
   */
  readonly action?: PendingAction;
  /** SHA-256 of the browser-binding cookie: the interaction completes only in the browser that started it. */
  readonly browserHash: string;
  /** Anti-CSRF token the hosted pages echo in a header on every POST. */
  readonly csrf: string;
  readonly expiresAt: number;
}

/** The signed-in account a consent page answers for (the code's `sub`, `auth_time` and `amr`). */
export interface ConsentFor {
  readonly userId: string;
  readonly authTime: number;
  readonly amr: readonly string[];
}

const INTERACTION_TTL = 15 * 60;

export class InteractionRepository {
  constructor(private readonly table: Table) {}

  async createInteraction(interaction: Omit<Interaction, 'id' | 'csrf' | 'expiresAt'>): Promise<Interaction> {
    const now = epochSeconds(this.table.clock);
    const full: Interaction = {
      ...interaction,
      id: randomToken(18),
      csrf: randomToken(18),
      expiresAt: now + INTERACTION_TTL,
    };
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.interaction(interaction.tenantId, full.id), type: 'interaction', ...full, ttl: full.expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return full;
  }

  async findInteraction(tenantId: string, id: string): Promise<Interaction | undefined> {
    const item = await this.table.get(keys.interaction(tenantId, id), true);
    return item ? strip<Interaction>(item) : undefined;
  }

  /**
   * Ends the interaction inside another transaction: an add-passkey enrollment (the passkey and the end of the
   * interaction commit together, so one interaction cannot add two passkeys), the consent page's Allow (the consent
   * and the end of the interaction commit together, so a replayed Allow stores nothing). `answering`: see
   * finishInteraction.
   */
  finishPart(
    tenantId: string,
    id: string,
    onFailed: () => Error,
    options: { readonly answering?: 'sign-in' | 'consent' } = {},
  ): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.interaction(tenantId, id),
          ...this.finishCondition(options.answering ?? 'sign-in'),
        },
      },
      onConditionFailed: onFailed,
    };
  }

  /**
   * The sign-in is done and the consent page comes next: records who signed in, once. Conditioned on the interaction
   * being live and not yet signed in to, so a second ceremony on it (a replayed verify, another tab) cannot replace
   * the account the page answers for; the interaction itself stays until the answer ends it (finishInteraction).
   */
  async awaitConsent(tenantId: string, id: string, consentFor: ConsentFor): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.interaction(tenantId, id),
          UpdateExpression: 'SET consentFor = :for',
          ConditionExpression: 'attribute_exists(pk) AND #ttl > :now AND attribute_not_exists(consentFor)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':for': { userId: consentFor.userId, authTime: consentFor.authTime, amr: [...consentFor.amr] },
            ':now': epochSeconds(this.table.clock),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Ends an interaction exactly once (a conditional delete), so one sign-in cannot mint two codes. `answering` is the
   * step that ends it: a sign-in (a ceremony, a select_account Continue) only while no sign-in awaits the consent page
   * (else a second ceremony on the interaction would mint a code beside the pending answer), the consent page's answer
   * only once a sign-in awaits it.
   */
  async finishInteraction(
    tenantId: string,
    id: string,
    answering: 'sign-in' | 'consent' = 'sign-in',
  ): Promise<boolean> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.interaction(tenantId, id),
          ...this.finishCondition(answering),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Live (TTL not passed; DynamoDB deletes lazily) and at the step `answering` ends. */
  private finishCondition(answering: 'sign-in' | 'consent') {
    const stage = answering === 'consent' ? 'attribute_exists(consentFor)' : 'attribute_not_exists(consentFor)';
    return {
      ConditionExpression: `attribute_exists(pk) AND #ttl > :now AND ${stage}`,
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': epochSeconds(this.table.clock) },
    };
  }
}
