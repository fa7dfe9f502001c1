import {
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { brandOf } from '../branding.ts';
import { epochSeconds } from '../clock.ts';
import type { Mailer } from '../email/mailer.ts';
import { composeEmail } from '../email/messages.ts';
import { AccessDenied, Conflict } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { localeOf } from '../i18n/locales.ts';
import { issuerOf } from '../issuer.ts';

import { logger } from '../logger.ts';
import { completeSignIn, RECOVERY_AMR } from '../oidc/sign-in.ts';
import type { Challenge } from '../store/challenges.ts';
import { type EmailFlow, isFlowOpen } from '../store/email-flows.ts';
import type { Interaction } from '../store/interactions.ts';
import { allPages } from '../store/paging.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { TransactionPart } from '../store/transaction.ts';
import { AccountUnavailable, CredentialTaken, EmailTaken, type Passkey, type User } from '../store/users.ts';
import { enrollingUser } from './ceremony-options.ts';
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
  deps: { readonly mailer?: () => Promise<Mailer> } = {},
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

  const { credential, credentialDeviceType, credentialBackedUp, aaguid } = verification.registrationInfo;
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
    ...(aaguid && aaguid !== '00000000-0000-0000-0000-000000000000' ? { aaguid } : {}),
  };
  const spent = () => new AccessDenied(FLOW_SPENT);
  const extra: TransactionPart[] = account.flow ? [store.emailFlows.completeFlow(account.flow, spent)] : [];
  const adding = interaction.intent === 'add-passkey';
  // An enrollment ends its interaction in the same transaction: one interaction, one passkey.
  if (adding) extra.push(store.interactions.finishPart(tenant.id, interaction.id, spent));
  try {
    if (account.existing) {
      const user = account.user;
      extra.push(
        store.auditLog.appendEntry(
          tenant.id,
          {
            actor: `user:${user.userId}`,
            action: 'passkey.added',
            target: { type: 'user', id: user.userId },
            traceId: req.traceId,
            changes: { credential_id: passkey.credentialId, via: addedVia(interaction, account.flow) },
          },
          store.clock.now(),
        ),
      );
      const proved = account.flow?.email ?? interaction.verifiesEmail;
      if (proved !== undefined) extra.push(store.users.emailStillOf(tenant.id, proved, user.userId, spent));
      extra.push(...(await provingAddress(store, user, interaction, account.flow, passkey.credentialId)));
      await store.users.addPasskey(user, passkey, extra);
      if (account.flow && !user.emailVerified)
        for (const family of await store.tokens.listUserGrants(tenant.id, user.userId))
          await store.tokens.revokeGrant(family, 'admin');
    } else await store.users.createUserWithPasskey(account.user, passkey, extra);
  } catch (error) {
    if (error instanceof EmailTaken)
      throw new Conflict(
        'An account could not be created with this email. If you already have one, sign in with your passkey.',
      );
    if (error instanceof CredentialTaken) throw new Conflict('This passkey is already registered; sign in with it.');
    if (error instanceof AccountUnavailable || error instanceof Conflict)
      throw new AccessDenied('This account changed a moment ago or cannot sign in; start again.');
    throw error;
  }
  // An invitation to an account that already had a passkey (a lost device) proves the mailbox, as a recovery does:
  // the same `amr` (and acr), and the same notice. Its first passkey is the account's only credential, and no news.
  const via = addedVia(interaction, account.flow);
  const invitedBack =
    account.existing &&
    via === 'invitation' &&
    (await store.users.listPasskeys(tenant.id, account.user.userId)).length > 1;
  const signedIn = await completeSignIn(req, store, tenant, interaction, account.user.userId, {
    finished: adding,
    ...((account.flow && account.existing) || invitedBack ? { amr: RECOVERY_AMR } : {}),
  });
  // Tell the address a passkey was added to an existing account (a recovery, the account page, an invitation back in),
  // so the owner of an account someone got into notices.
  if (account.existing && deps.mailer && (via !== 'invitation' || invitedBack))
    await notifyPasskeyAdded(req, tenant, interaction, account.user, deps.mailer);
  return signedIn;
}

/** Best effort: a failed notice is logged (no address), the sign-in stands. */
async function notifyPasskeyAdded(
  req: HttpRequest,
  tenant: Tenant,
  interaction: Interaction,
  user: User,
  mailer: () => Promise<Mailer>,
): Promise<void> {
  try {
    const message = composeEmail('passkey-added', {
      tenantId: tenant.id,
      tenantName: brandOf(tenant).name,
      to: user.email,
      link: `${issuerOf(req, tenant.id)}/account`,
      locale: localeOf(req, interaction),
    });
    await (await mailer()).send(message);
  } catch (error) {
    logger.warn('passkey-added notice not sent', { tenantId: tenant.id, error: (error as Error).name });
  }
}

/**
 * What proving the address changes, in the enrollment's transaction. An invitation marks it verified. A recovery of
 * an account whose address was never verified (created with `signUpVerification: none`, or by an administrator)
 * also marks it verified, and removes everything the account had before, because whoever created those passkeys and
 * sessions never proved the address: that closes account pre-hijacking (someone signs up with a victim's address
 * first, the victim later recovers it). Its other sessions and token families end with `sessionsRevokedAt`.
 */
async function provingAddress(
  store: Store,
  user: User,
  interaction: Interaction,
  flow: EmailFlow | undefined,
  newCredentialId: string,
): Promise<TransactionPart[]> {
  if (user.emailVerified || (!flow && !interaction.verifiesEmail)) return [];
  const now = epochSeconds(store.clock);
  const next: User = {
    ...user,
    emailVerified: true,
    updatedAt: store.clock.now(),
    // One second back, so the session this enrollment creates (authTime = now) outlives the cut.
    ...(flow ? { sessionsRevokedAt: now - 1 } : {}),
  };
  const parts = store.users.updateUser(user, next);
  if (!flow) return parts;
  // Sessions begun in this same second outlive the cut (it has one-second resolution): they are deleted here, and
  // the families after the commit (squatterEvicted).
  const sessions = await allPages((page) => store.sessions.listUserSessions(user.tenantId, user.userId, page));
  for (const s of sessions.slice(0, 10)) if (s.id) parts.push(store.sessions.deletePart(user.tenantId, s.id));
  // The new passkey's id among them would name one item twice (its put then fails as taken instead).
  const earlier = (await store.users.listPasskeys(user.tenantId, user.userId)).filter(
    (p) => p.credentialId !== newCredentialId,
  );
  return [
    ...parts,
    ...earlier.slice(0, 80).map((p) => store.users.deletePasskey(user.tenantId, user.userId, p.credentialId)),
  ];
}

/** How a passkey came to an existing account, for its audit entry. */
function addedVia(interaction: Interaction, flow: EmailFlow | undefined): 'recovery' | 'invitation' | 'account' {
  if (flow) return 'recovery';
  return interaction.verifiesEmail ? 'invitation' : 'account';
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
  if (interaction.expectedUserId !== undefined) {
    // Only that account's own enrollment: a re-authentication cannot be finished by creating a passkey.
    if (interaction.intent !== 'add-passkey') throw expired();
    return { user: await enrollingUser(store, tenant, interaction.expectedUserId), existing: true };
  }
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
  return { user: await enrollingUser(store, tenant, flow.userId), existing: true, flow };
}
