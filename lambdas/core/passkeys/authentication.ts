import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { brandOf } from '../branding.ts';
import { AccessDenied, UnknownCredential, WrongAccount } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { logger } from '../logger.ts';
import { completeSignIn } from '../oidc/sign-in.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { consumeCeremonyChallenge } from './challenges.ts';
import { relyingPartyOf } from './relying-party.ts';

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why a passkey this tenant does not hold was refused, with a code the page acts on. Every tenant of a deployment
 * shares the RP ID (the host, or a parent domain of it), so "not found here" alone does not mean the passkey is dead:
 * it may be another tenant's. Only when its user handle (the account id's UTF-8 bytes, WebAuthn §5.4.3) names an
 * account of THIS tenant was the passkey made here and removed since: `unknown_credential`, and the page may tell the
 * browser to forget it. Anything else is `wrong_account`, which must never make a browser forget a passkey. The
 * handle is unverified (no key to check the signature with): it only picks the message.
 */
async function refuseUnknownPasskey(
  store: Store,
  tenant: Tenant,
  response: AuthenticationResponseJSON,
): Promise<never> {
  const handle = response.response.userHandle;
  const accountId = handle ? Buffer.from(handle, 'base64url').toString('utf8') : '';
  const owner = ACCOUNT_ID.test(accountId) ? await store.users.findUser(tenant.id, accountId) : undefined;
  if (owner)
    throw new UnknownCredential(
      `There is no passkey for ${brandOf(tenant).name} on this device any more: it was removed from your account. Use another device, or recover your account.`,
    );
  throw new WrongAccount(
    `This passkey is not registered with ${brandOf(tenant).name}: it belongs to another account. Choose another passkey, or use another device.`,
  );
}

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
  if (!passkey) return refuseUnknownPasskey(store, tenant, response);
  if (interaction.expectedUserId !== undefined && passkey.userId !== interaction.expectedUserId)
    throw new WrongAccount(
      'This passkey belongs to another account. Use a passkey of the account you are signed in with.',
    );

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
    throw new AccessDenied(
      `This account is suspended. Contact the administrator of ${brandOf(tenant).name} to restore it.`,
    );
  return completeSignIn(req, store, tenant, interaction, user.userId);
}
