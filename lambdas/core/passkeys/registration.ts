import {
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { epochSeconds } from '../clock.ts';
import { AccessDenied, Conflict } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { logger } from '../logger.ts';
import { completeSignIn } from '../oidc/sign-in.ts';
import type { Challenge } from '../store/challenges.ts';
import { type EmailFlow, isFlowOpen } from '../store/email-flows.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { AccountUnavailable, CredentialTaken, EmailTaken, type Passkey, type User } from '../store/users.ts';
import { consumeCeremonyChallenge } from './challenges.ts';
import { relyingPartyOf } from './relying-party.ts';
import { FLOW_SPENT, requireSignUpOpen } from './sign-up.ts';

/**
 * Finishes a sign-up or a recovery: verifies the new passkey (user-verified, this interaction's unused challenge,
 * this origin and RP ID), then in one transaction creates the account with its email claim and the passkey (or adds
 * the passkey to the recovered account, with its audit entry) and spends the email flow, and completes the
 * interaction as a sign-in.
 */
export async function finishPasskeyRegistration(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  challengeId: string,
  response: RegistrationResponseJSON,
): Promise<{ redirectTo: string; cookies: string[] }> {
  const challenge = await consumeCeremonyChallenge(store, interaction, challengeId, 'registration');
  const account = await registeringAccount(store, tenant, interaction, challenge);

  const rp = relyingPartyOf(req, tenant);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
    });
  } catch {
    // The library's messages quote challenges and origins: log only that it failed.
    logger.warn('passkey registration refused', { tenantId: tenant.id });
    throw new AccessDenied('The new passkey could not be verified; try again.');
  }
  if (!verification.verified) throw new AccessDenied('The new passkey could not be verified; try again.');

  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  const transports = credential.transports ?? (response.response.transports as AuthenticatorTransportFuture[]);
  const passkey: Passkey = {
    tenantId: tenant.id,
    credentialId: credential.id,
    userId: account.user.userId,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    ...(transports && transports.length > 0 ? { transports } : {}),
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    createdAt: epochSeconds(store.clock),
  };
  const spent = () => new AccessDenied(FLOW_SPENT);
  const completesFlow = account.flow ? [store.emailFlows.completeFlow(account.flow, spent)] : [];
  try {
    if (account.existing) {
      const audit = store.auditLog.appendEntry(
        tenant.id,
        {
          actor: `user:${account.user.userId}`,
          action: 'passkey.added',
          target: { type: 'user', id: account.user.userId },
          traceId: req.traceId,
          changes: { credential_id: passkey.credentialId, via: 'recovery' },
        },
        store.clock.now(),
      );
      await store.users.addPasskey(account.user, passkey, [...completesFlow, audit]);
    } else await store.users.createUserWithPasskey(account.user, passkey, completesFlow);
  } catch (error) {
    if (error instanceof EmailTaken)
      throw new Conflict(
        'An account could not be created with this email. If you already have one, sign in with your passkey.',
      );
    if (error instanceof CredentialTaken) throw new Conflict('This passkey is already registered; sign in with it.');
    if (error instanceof AccountUnavailable)
      throw new AccessDenied('This account cannot sign in; contact the service’s support.');
    throw error;
  }
  return completeSignIn(req, store, tenant, interaction, account.user.userId);
}

/**
 * Who the verified passkey is for, decided again now (settings and accounts may have changed since the options):
 * the new account of a sign-up, or the existing account of a recovery, with the email flow the passkey spends.
 */
async function registeringAccount(
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  challenge: Challenge,
): Promise<{ user: User; existing: boolean; flow?: EmailFlow }> {
  const expired = () => new AccessDenied('This passkey request expired or was already used; try again.');
  if (challenge.emailFlowId === undefined) {
    if (!challenge.pendingUser) throw expired();
    requireSignUpOpen(tenant);
    if (tenant.settings.signUpVerification !== 'none')
      throw new AccessDenied('Confirm your email address with the emailed code first.');
    return { user: challenge.pendingUser, existing: false };
  }
  const flow = await store.emailFlows.findFlow(tenant.id, challenge.emailFlowId);
  if (!flow || flow.interactionId !== interaction.id || !isFlowOpen(flow, epochSeconds(store.clock)))
    throw new AccessDenied(FLOW_SPENT);
  if (flow.purpose === 'signup') {
    if (!challenge.pendingUser) throw expired();
    requireSignUpOpen(tenant);
    return { user: challenge.pendingUser, existing: false, flow };
  }
  const user = await store.users.findUser(tenant.id, flow.userId);
  if (!user || user.suspended) throw new AccessDenied('This account cannot sign in; contact the service’s support.');
  return { user, existing: true, flow };
}
