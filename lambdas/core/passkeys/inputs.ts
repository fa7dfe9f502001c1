import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import { z } from 'zod';

const TRANSPORTS = new Set<string>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** What the hosted pages POST. Ids are opaque tokens; WebAuthn responses keep the fields the verifier reads. */
const Id = z.string().min(1).max(128);
const Base64Url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/, { message: 'must be base64url' });

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'must be an email address' }).max(254));

const PersonName = z
  .string()
  .trim()
  .min(1, { message: 'is required' })
  .max(100)
  .regex(/^[^\p{Cc}]+$/u, { message: 'must not contain control characters' });

const ResponseCommon = {
  id: Base64Url.min(1).max(1366),
  rawId: Base64Url.min(1).max(1366),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const AuthenticationOptionsBody = z.object({ interaction: Id, email: Email.optional() });

export const AuthenticationVerifyBody = z.object({
  interaction: Id,
  challengeId: Id,
  response: z.object({
    ...ResponseCommon,
    response: z.object({
      clientDataJSON: Base64Url,
      authenticatorData: Base64Url,
      signature: Base64Url,
      userHandle: Base64Url.optional(),
    }),
  }),
});

export const RegistrationOptionsBody = z.object({
  interaction: Id,
  email: Email,
  givenName: PersonName,
  familyName: PersonName,
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
      transports: z
        .array(z.string().max(32))
        .max(16)
        .transform((list) => list.filter((t): t is AuthenticatorTransportFuture => TRANSPORTS.has(t)))
        .optional(),
    }),
  }),
});
