import { brandOf } from '../branding.ts';
import type { Mailer } from '../email/mailer.ts';
import { composeEmail } from '../email/messages.ts';
import { InvalidCode, InvalidRequest, TemporarilyUnavailable, TooManyRequests } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { localeOf } from '../i18n/locales.ts';
import { issuerOf } from '../issuer.ts';
import { logger } from '../logger.ts';
import {
  EMAIL_CODE_TTL_SECONDS,
  EMAIL_CODE_WINDOW_SECONDS,
  type EmailFlowPurpose,
  newEmailCode,
} from '../store/email-flows.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { requireSignUpOpen } from './sign-up.ts';

/**
 * Proof of an email address for sign-up and recovery, without telling anyone whether the address has an account.
 * Both answers are the same for every address (a flow id), after the same store calls and one email: a registered
 * address asked to sign up gets "you already have an account", an unknown address asked to recover gets "there is no
 * account"; their flows hold no working code, so every code typed for them is just wrong.
 */
export interface EmailCodeRequest {
  readonly purpose: EmailFlowPurpose;
  /** Lower-cased and validated. */
  readonly email: string;
  readonly givenName?: string | undefined;
  readonly familyName?: string | undefined;
}

export async function sendEmailCode(
  req: HttpRequest,
  deps: { store: Store; mailer: Mailer },
  tenant: Tenant,
  interaction: Interaction,
  request: EmailCodeRequest,
): Promise<{ flowId: string; expiresIn: number }> {
  const { store, mailer } = deps;
  if (interaction.expectedUserId !== undefined)
    throw new InvalidRequest('Confirm it’s you with your passkey here; an emailed code cannot do that.');
  if (request.purpose === 'signup') {
    requireSignUpOpen(tenant);
    if (!request.givenName || !request.familyName)
      throw new InvalidRequest('Enter your given name and family name to create an account.');
  }
  if (!(await store.emailFlows.countCodeSent(tenant.id, request.email)))
    throw new TooManyRequests(
      `Several codes were sent to this address in the last ${EMAIL_CODE_WINDOW_SECONDS / 60} minutes. Use the latest one, or wait and try again.`,
      EMAIL_CODE_WINDOW_SECONDS,
    );
  const [userId, locked] = await Promise.all([
    store.users.findUserIdByEmail(tenant.id, request.email),
    store.emailFlows.tooManyWrongCodes(tenant.id, request.email),
  ]);
  const issuer = issuerOf(req, tenant.id);
  const interactionQuery = `interaction=${encodeURIComponent(interaction.id)}`;
  // A code only where it can lead somewhere: a new address for a sign-up, a registered one for a recovery.
  // After too many wrong codes today, no working code at all (for any address, registered or not: no oracle).
  const working = !locked && (request.purpose === 'signup' ? userId === undefined : userId !== undefined);
  const code = working ? newEmailCode() : undefined;
  const flow = await store.emailFlows.createFlow(
    {
      tenantId: tenant.id,
      purpose: request.purpose,
      email: request.email,
      interactionId: interaction.id,
      ...(request.purpose === 'recovery' && userId ? { userId } : {}),
      ...(request.purpose === 'signup' ? { givenName: request.givenName, familyName: request.familyName } : {}),
    },
    code,
  );
  const base = {
    tenantId: tenant.id,
    tenantName: brandOf(tenant).name,
    to: request.email,
    minutes: EMAIL_CODE_TTL_SECONDS / 60,
    // The language of the page that asked for the code.
    locale: localeOf(req, interaction),
  };
  const message = locked
    ? composeEmail('code-locked', base)
    : request.purpose === 'signup'
      ? code
        ? composeEmail('signup-code', { ...base, code })
        : composeEmail('signup-registered', { ...base, link: `${issuer}/login?${interactionQuery}` })
      : code
        ? composeEmail('recovery-code', { ...base, code })
        : composeEmail('recovery-unknown', base);
  try {
    await mailer.send(message);
  } catch (error) {
    // Never the address or the message: only that sending failed.
    logger.error('sending an email code failed', { tenantId: tenant.id, error: (error as Error).name });
    throw new TemporarilyUnavailable('The email could not be sent just now. Try again in a minute.');
  }
  return { flowId: flow.id, expiresIn: EMAIL_CODE_TTL_SECONDS };
}

/** Checks the code typed on the page; the right one marks the flow verified (once). */
export async function verifyEmailCode(
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  flowId: string,
  code: string,
): Promise<{ verified: true }> {
  const check = await store.emailFlows.checkCode(tenant.id, flowId, interaction.id, code);
  switch (check.outcome) {
    case 'verified':
      return { verified: true };
    case 'wrong':
      throw new InvalidCode(
        `That code is not right. Check the latest email and try again (${check.attemptsLeft} ${check.attemptsLeft === 1 ? 'try' : 'tries'} left).`,
      );
    case 'exhausted':
      throw new InvalidCode('Too many wrong codes. Ask for a new code.');
    case 'expired':
      throw new InvalidCode('This code has expired. Ask for a new code.');
    case 'already-verified':
      throw new InvalidCode('This code was already used. Ask for a new code if you need one.');
    case 'not-found':
      throw new InvalidCode('This code cannot be used here. Ask for a new code.');
  }
}
