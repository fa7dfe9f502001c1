import { randomUUID } from 'node:crypto';
import {
  type AuthenticatorTransportFuture,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
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
import { CredentialTaken, EmailTaken, type Passkey, type User } from '../store/users.ts';
import { CEREMONY_TIMEOUT_MS, type CeremonyOptions } from './authentication.ts';
import { consumeCeremonyChallenge } from './challenges.ts';
import { relyingPartyOf } from './relying-party.ts';

export interface NewAccount {
  /** Lower-cased and validated by the caller. */
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
}

export function requireSignUpOpen(tenant: Tenant): void {
  if (!tenant.settings.signUpOpen)
    throw new AccessDenied(
      `${tenant.name} does not allow creating an account here; ask an administrator to invite you.`,
    );
}

/**
 * Starts a sign-up: the account to create travels with the challenge (nothing is written to the user table
 * until a passkey is verified). Whether the email is already taken is deliberately not checked here, so this
 * step answers the same for every email; the final step is the first to find out.
 */
export async function startPasskeyRegistration(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  account: NewAccount,
): Promise<CeremonyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  requireSignUpOpen(tenant);
  const rp = relyingPartyOf(req, tenant);
  const pendingUser: User = {
    tenantId: tenant.id,
    userId: randomUUID(),
    email: account.email,
    // No email channel yet: the address is whatever the user typed.
    emailVerified: false,
    givenName: account.givenName,
    familyName: account.familyName,
    roles: ['user'],
    createdAt: epochSeconds(store.clock),
  };
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.email,
    userDisplayName: `${account.givenName} ${account.familyName}`,
    // The WebAuthn user handle is the account id, so an assertion names the account it belongs to.
    userID: new Uint8Array(Buffer.from(pendingUser.userId, 'utf8')),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    timeout: CEREMONY_TIMEOUT_MS,
  });
  const challenge = await store.users.createChallenge({
    tenantId: tenant.id,
    purpose: 'registration',
    challenge: options.challenge,
    interactionId: interaction.id,
    pendingUser,
  });
  return { challengeId: challenge.id, options };
}

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
