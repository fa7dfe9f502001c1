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
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { CredentialTaken, EmailTaken, type Passkey } from '../store/users.ts';
import { consumeCeremonyChallenge } from './challenges.ts';
import { relyingPartyOf } from './relying-party.ts';
import { requireSignUpOpen } from './sign-up.ts';

/**
 * Finishes a sign-up: verifies the new passkey (user-verified, this interaction's unused challenge, this
 * origin and RP ID), then creates the account, its email claim and the passkey in one transaction, and
 * completes the interaction as a sign-in.
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
  const user = challenge.pendingUser;
  if (!user) throw new AccessDenied('This passkey request expired or was already used; try again.');
  // The setting may have changed since the options were handed out.
  requireSignUpOpen(tenant);

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
    userId: user.userId,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    ...(transports && transports.length > 0 ? { transports } : {}),
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    createdAt: epochSeconds(store.clock),
  };
  try {
    await store.users.createUserWithPasskey(user, passkey);
  } catch (error) {
    if (error instanceof EmailTaken)
      throw new Conflict(
        'An account could not be created with this email. If you already have one, sign in with your passkey.',
      );
    if (error instanceof CredentialTaken) throw new Conflict('This passkey is already registered; sign in with it.');
    throw error;
  }
  return completeSignIn(req, store, tenant, interaction, user.userId);
}
