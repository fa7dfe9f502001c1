import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import * as z from 'zod/mini';

const TRANSPORTS = new Set<string>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/**
 * What the hosted pages POST. Ids are opaque tokens; WebAuthn responses keep the fields the verifier reads.
 * `zod/mini` schemas (see lambdas/core/validation.ts): checks run in the order listed, as `zod`'s chained methods do.
 */
const Id = z.string().check(z.minLength(1), z.maxLength(128));
const Base64Url = z.string().check(z.maxLength(16_384), z.regex(/^[A-Za-z0-9_-]*$/, { message: 'must be base64url' }));

export const Email = z.pipe(
  z.string().check(z.trim(), z.toLowerCase()),
  z.email({ message: 'must be an email address' }).check(z.maxLength(254)),
);

export const PersonName = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, { message: 'is required' }),
    z.maxLength(100),
    z.regex(/^[^\p{Cc}]+$/u, { message: 'must not contain control characters' }),
  );

const CredentialId = Base64Url.check(z.minLength(1), z.maxLength(1366));

const ResponseCommon = {
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal('public-key'),
  clientExtensionResults: z._default(z.record(z.string(), z.unknown()), {}),
  authenticatorAttachment: z.optional(z.enum(['platform', 'cross-platform'])),
};

export const AuthenticationOptionsBody = z.object({ interaction: Id, email: z.optional(Email) });

export const AuthenticationVerifyBody = z.object({
  interaction: Id,
  challengeId: Id,
  response: z.object({
    ...ResponseCommon,
    response: z.object({
      clientDataJSON: Base64Url,
      authenticatorData: Base64Url,
      signature: Base64Url,
      userHandle: z.optional(Base64Url),
    }),
  }),
});

/**
 * A passkey for a verified email flow (`flowId`: sign-up or recovery after the emailed code), for the account an
 * `add-passkey` interaction names, or, where the tenant allows unverified sign-up, for the account typed in.
 */
export const RegistrationOptionsBody = z.union([
  z.strictObject({ interaction: Id, flowId: Id }),
  // An interaction that enrolls a passkey for a known account (intent add-passkey): nothing else to say.
  z.strictObject({ interaction: Id }),
  z.strictObject({ interaction: Id, email: Email, givenName: PersonName, familyName: PersonName }),
]);

/** `POST …/email/code`: send a sign-up or recovery code (the names only for a sign-up). */
export const EmailCodeBody = z.strictObject({
  interaction: Id,
  purpose: z.enum(['signup', 'recovery']),
  email: Email,
  givenName: z.optional(PersonName),
  familyName: z.optional(PersonName),
});

/** `POST …/email/code/verify`: the code as typed (spaces and dashes a person might add are dropped). */
export const EmailCodeVerifyBody = z.strictObject({
  interaction: Id,
  flowId: Id,
  code: z.pipe(
    z.string().check(z.maxLength(32)),
    z.pipe(
      z.transform((value: string) => value.replace(/[\s-]/g, '')),
      z.string().check(z.regex(/^\d{6}$/, { message: 'must be the 6-digit code from the email' })),
    ),
  ),
});

export const RegistrationVerifyBody = z.object({
  interaction: Id,
  challengeId: Id,
  response: z.object({
    ...ResponseCommon,
    response: z.object({
      clientDataJSON: Base64Url,
      attestationObject: Base64Url,
      // Unknown (future) transports are dropped rather than refusing the passkey.
      transports: z.optional(
        z.pipe(
          z.array(z.string().check(z.maxLength(32))).check(z.maxLength(16)),
          z.transform((list) => list.filter((t): t is AuthenticatorTransportFuture => TRANSPORTS.has(t))),
        ),
      ),
    }),
  }),
});
