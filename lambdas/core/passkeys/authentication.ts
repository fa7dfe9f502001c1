import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { AccessDenied } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { logger } from '../logger.ts';
import { completeSignIn } from '../oidc/sign-in.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { consumeCeremonyChallenge } from './challenges.ts';
import { relyingPartyOf } from './relying-party.ts';

/**
 * Finishes a sign-in: the assertion must answer this interaction's unused challenge, come from a passkey
 * registered with THIS tenant (a credential of another tenant is simply not found, even on a shared RP ID), be
 * user-verified, and advance the signature counter exactly once. Then the interaction completes.
 */
export async function finishPasskeyAuthentication(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  challengeId: string,
  response: AuthenticationResponseJSON,
): Promise<{ redirectTo: string; cookies: string[] }> {
  const challenge = await consumeCeremonyChallenge(store, interaction, challengeId, 'authentication');
  const passkey = await store.users.findPasskey(tenant.id, response.id);
  if (!passkey) throw new AccessDenied(`This passkey is not registered with ${tenant.name}.`);

  const rp = relyingPartyOf(req, tenant);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: passkey.counter,
        ...(passkey.transports ? { transports: [...passkey.transports] as AuthenticatorTransportFuture[] } : {}),
      },
    });
  } catch {
    // The library's messages quote challenges and origins: log only that it failed.
    logger.warn('passkey assertion refused', { tenantId: tenant.id });
    throw new AccessDenied('The passkey could not be verified; try again.');
  }
  if (!verification.verified) throw new AccessDenied('The passkey could not be verified; try again.');

  // The user handle is the WebAuthn user.id given at registration: the account id's UTF-8 bytes.
  const userHandle = response.response.userHandle;
  if (userHandle && userHandle !== Buffer.from(passkey.userId, 'utf8').toString('base64url'))
    throw new AccessDenied('The passkey could not be verified; try again.');

  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  if (!(await store.users.recordPasskeyUse(passkey, newCounter, credentialBackedUp)))
    throw new AccessDenied('This passkey was used by another sign-in at the same moment; try again.');

  const user = await store.users.findUser(tenant.id, passkey.userId);
  if (!user) throw new AccessDenied('The account for this passkey no longer exists.');
  if (user.suspended)
    throw new AccessDenied(`This account is suspended. Contact the administrator of ${tenant.name} to restore it.`);
  return completeSignIn(req, store, tenant, interaction, user.userId);
}
