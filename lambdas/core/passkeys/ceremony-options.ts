import { randomFillSync, randomUUID } from 'node:crypto';
import type {
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { epochSeconds } from '../clock.ts';
import { AccessDenied, InvalidRequest } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { isFlowOpen } from '../store/email-flows.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Passkey, User } from '../store/users.ts';
import { type AllowedCredential, decoyCredentials } from './decoy-credentials.ts';
import { relyingPartyOf } from './relying-party.ts';
import { FLOW_SPENT, requireSignUpOpen } from './sign-up.ts';

/**
 * The first step of both WebAuthn ceremonies: the options the browser passes to navigator.credentials.get/create,
 * and the challenge stored for the second step. Only types come from @simplewebauthn/server: building options is
 * plain data plus 32 random bytes, and importing the library (its ASN.1, X.509 and CBOR code, ~270 KB that does not
 * tree-shake) would make these two functions' cold start as slow as the verifying ones. The options are exactly
 * what its generateAuthenticationOptions/generateRegistrationOptions return for these inputs, key for key
 * (test/passkeys/ceremony-options.test.ts compares them); verification stays with the library
 * (authentication.ts, registration.ts).
 */

/** How long the browser may wait for the user; the stored challenge lives 5 minutes. */
export const CEREMONY_TIMEOUT_MS = 4 * 60 * 1000;

export interface CeremonyOptions<T> {
  /** Names the stored challenge; the page sends it back with the authenticator's response. */
  readonly challengeId: string;
  readonly options: T;
}

/** COSE algorithms offered for a new passkey, preferred first: EdDSA, ES256, RS256 (the library's default set). */
const PUBLIC_KEY_ALGORITHMS = [-8, -7, -257] as const;

/** A fresh challenge: 32 bytes from the CSPRNG (WebAuthn §13.4.3 asks for at least 16). */
export function newChallenge(): Uint8Array<ArrayBuffer> {
  return randomFillSync(new Uint8Array(32));
}

const BASE64URL = /^[-A-Za-z0-9_]*$/;

/** `allowCredentials` entries as the library writes them: padding trimmed, `type` added, anything else refused. */
function descriptor(credential: AllowedCredential): PublicKeyCredentialDescriptorJSON {
  const id = credential.id.replace(/=/g, '');
  if (!BASE64URL.test(id)) throw new Error(`allowCredential id "${credential.id}" is not a valid base64url string`);
  return { ...credential, id, type: 'public-key' };
}

/** A stored passkey as an `allowCredentials` / `excludeCredentials` entry. */
function asAllowedCredential(passkey: Passkey): AllowedCredential {
  return {
    id: passkey.credentialId,
    ...(passkey.transports ? { transports: [...passkey.transports] as AuthenticatorTransportFuture[] } : {}),
  };
}

/** navigator.credentials.get() options: user verification required; `allowCredentials` only when given. */
export function authenticationOptions(input: {
  readonly rpId: string;
  readonly challenge: Uint8Array;
  readonly allowCredentials?: readonly AllowedCredential[] | undefined;
}): PublicKeyCredentialRequestOptionsJSON {
  return {
    rpId: input.rpId,
    challenge: Buffer.from(input.challenge).toString('base64url'),
    ...(input.allowCredentials ? { allowCredentials: input.allowCredentials.map(descriptor) } : {}),
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification: 'required',
  };
}

/**
 * navigator.credentials.create() options: a discoverable (resident) credential with user verification, no
 * attestation, and the credProps extension so the browser reports whether the key is discoverable.
 */
export function registrationOptions(input: {
  readonly rp: { readonly id: string; readonly name: string };
  readonly user: { readonly id: Uint8Array; readonly name: string; readonly displayName: string };
  readonly challenge: Uint8Array;
  /** The account's passkeys (recovery): an authenticator that still holds one refuses to make a second. */
  readonly excludeCredentials?: readonly AllowedCredential[];
}): PublicKeyCredentialCreationOptionsJSON {
  return {
    challenge: Buffer.from(input.challenge).toString('base64url'),
    rp: { name: input.rp.name, id: input.rp.id },
    user: {
      id: Buffer.from(input.user.id).toString('base64url'),
      name: input.user.name,
      displayName: input.user.displayName,
    },
    pubKeyCredParams: PUBLIC_KEY_ALGORITHMS.map((alg) => ({ alg, type: 'public-key' })),
    timeout: CEREMONY_TIMEOUT_MS,
    attestation: 'none',
    excludeCredentials: (input.excludeCredentials ?? []).map(descriptor),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    extensions: { credProps: true },
    hints: [],
  };
}

/**
 * Starts a sign-in. Without an email: a discoverable-credential request (the authenticator offers the tenant's
 * passkeys; also used for conditional UI). With an email (the fallback): the account's credentials as
 * `allowCredentials` — or, for an unknown email, decoys after the same store reads, so the answer never tells
 * whether the email has an account.
 */
export async function startPasskeyAuthentication(
  req: HttpRequest,
  deps: { store: Store },
  tenant: Tenant,
  interaction: Interaction,
  email: string | undefined,
): Promise<CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>> {
  const { store } = deps;
  let allowCredentials: AllowedCredential[] | undefined;
  if (interaction.expectedUserId !== undefined) {
    // Only this account may sign in: offer exactly its passkeys (the email typed, if any, does not matter).
    const passkeys = await store.users.listPasskeys(tenant.id, interaction.expectedUserId);
    // An empty list would let the browser offer any passkey: refuse instead.
    if (passkeys.length === 0)
      throw new AccessDenied('This account has no passkey to confirm with. Use “Lost your passkey?” to set one up.');
    allowCredentials = passkeys.map(asAllowedCredential);
  } else if (email !== undefined) {
    const [userId, decoyKey] = await Promise.all([
      store.users.findUserIdByEmail(tenant.id, email),
      store.tenants.decoyKey(tenant),
    ]);
    // The same query runs for an unknown email (against an id that has no passkeys) to keep the timing alike.
    const passkeys = await store.users.listPasskeys(tenant.id, userId ?? randomUUID());
    allowCredentials =
      passkeys.length > 0 ? passkeys.map(asAllowedCredential) : decoyCredentials(decoyKey, tenant.id, email);
  }
  const options = authenticationOptions({
    rpId: relyingPartyOf(req, tenant).id,
    challenge: newChallenge(),
    allowCredentials,
  });
  const challenge = await store.challenges.createChallenge({
    tenantId: tenant.id,
    purpose: 'authentication',
    challenge: options.challenge,
    interactionId: interaction.id,
  });
  return { challengeId: challenge.id, options };
}

export interface NewAccount {
  /** Lower-cased and validated by the caller. */
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
}

/**
 * Whose passkey a registration creates: after an emailed code (`flowId`), the account of an `add-passkey`
 * interaction (`{}`), or, where allowed, an unverified account.
 */
export type RegistrationSource = { readonly flowId: string } | NewAccount | Record<string, never>;

/**
 * The account a registration is for, and the passkeys to exclude. A verified sign-up flow's account does not exist
 * yet (it travels with the challenge until the passkey is verified); a recovery flow's account does. An unverified
 * sign-up only where the tenant chose it. Whether an email is taken is not checked here: creation finds out.
 */
async function registrationAccount(
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  source: RegistrationSource,
): Promise<{ user: User; pending: boolean; flowId?: string; exclude: AllowedCredential[] }> {
  const now = epochSeconds(store.clock);
  if (interaction.intent === 'add-passkey' || interaction.expectedUserId !== undefined) {
    if (
      Object.keys(source).length > 0 ||
      interaction.intent !== 'add-passkey' ||
      interaction.expectedUserId === undefined
    )
      throw new InvalidRequest('This page adds a passkey to your account; start again from your account page.');
    const user = await enrollingUser(store, tenant, interaction.expectedUserId);
    const exclude = (await store.users.listPasskeys(tenant.id, user.userId)).map(asAllowedCredential);
    return { user, pending: false, exclude };
  }
  if (!('flowId' in source)) {
    if (!('email' in source)) throw new InvalidRequest('Confirm your email address with the emailed code first.');
    requireSignUpOpen(tenant);
    if (tenant.settings.signUpVerification !== 'none')
      throw new InvalidRequest('Confirm your email address with the emailed code first.');
    const user: User = {
      tenantId: tenant.id,
      userId: randomUUID(),
      email: source.email,
      emailVerified: false,
      givenName: source.givenName,
      familyName: source.familyName,
      roles: ['user'],
      createdAt: now,
    };
    return { user, pending: true, exclude: [] };
  }
  const flow = await store.emailFlows.findFlow(tenant.id, source.flowId);
  if (!flow || flow.interactionId !== interaction.id || !isFlowOpen(flow, now)) throw new AccessDenied(FLOW_SPENT);
  if (flow.purpose === 'signup') {
    requireSignUpOpen(tenant);
    const user: User = {
      tenantId: tenant.id,
      userId: flow.userId,
      email: flow.email,
      emailVerified: true,
      givenName: flow.givenName ?? '',
      familyName: flow.familyName ?? '',
      roles: ['user'],
      createdAt: now,
    };
    return { user, pending: true, flowId: flow.id, exclude: [] };
  }
  const user = await enrollingUser(store, tenant, flow.userId);
  const passkeys = await store.users.listPasskeys(tenant.id, user.userId);
  const exclude = passkeys.map(asAllowedCredential);
  return { user, pending: false, flowId: flow.id, exclude };
}

/** The existing account a new passkey is for: it must exist and not be suspended. */
export async function enrollingUser(store: Store, tenant: Tenant, userId: string): Promise<User> {
  const user = await store.users.findUser(tenant.id, userId);
  if (!user || user.suspended) throw new AccessDenied('This account cannot sign in; contact the service’s support.');
  return user;
}

/**
 * Starts a passkey registration: a sign-up (the account is created when the passkey is verified) or a recovery (a
 * new passkey for the account whose address the emailed code proved).
 */
export async function startPasskeyRegistration(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interaction: Interaction,
  source: RegistrationSource,
): Promise<CeremonyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  const { user, pending, flowId, exclude } = await registrationAccount(store, tenant, interaction, source);
  const options = registrationOptions({
    rp: relyingPartyOf(req, tenant),
    user: {
      // The WebAuthn user handle is the account id, so an assertion names the account it belongs to.
      id: new Uint8Array(Buffer.from(user.userId, 'utf8')),
      name: user.email,
      displayName: `${user.givenName} ${user.familyName}`.trim() || user.email,
    },
    challenge: newChallenge(),
    excludeCredentials: exclude,
  });
  const challenge = await store.challenges.createChallenge({
    tenantId: tenant.id,
    purpose: 'registration',
    challenge: options.challenge,
    interactionId: interaction.id,
    ...(pending ? { pendingUser: user } : {}),
    ...(flowId ? { emailFlowId: flowId } : {}),
  });
  return { challengeId: challenge.id, options };
}
