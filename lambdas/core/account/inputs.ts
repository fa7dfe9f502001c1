import * as z from 'zod/mini';
import { PersonName } from '../passkeys/inputs.ts';

/** The account page's form posts (application/x-www-form-urlencoded), one shape per action. */
const CredentialId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,1400}$/, { message: 'is not a passkey id' }));
const PasskeyName = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, { message: 'is required' }),
    z.maxLength(80),
    z.regex(/^[^\p{Cc}]+$/u, { message: 'must not contain control characters' }),
  );
const ClientId = z.string().check(z.minLength(1), z.maxLength(256));

export const AccountForm = z.discriminatedUnion('action', [
  z.object({ action: z.literal('profile'), givenName: PersonName, familyName: PersonName }),
  z.object({ action: z.literal('rename-passkey'), credentialId: CredentialId, name: PasskeyName }),
  z.object({
    action: z.literal('delete-passkey'),
    credentialId: CredentialId,
    confirmLast: z.pipe(
      z.optional(z.literal('yes')),
      z.transform((v) => v === 'yes'),
    ),
  }),
  z.object({ action: z.literal('add-passkey') }),
  z.object({ action: z.literal('sign-out-everywhere') }),
  z.object({ action: z.literal('revoke-app'), clientId: ClientId }),
  z.object({ action: z.literal('reauthenticate') }),
]);
