import { generateAuthenticationOptions, generateRegistrationOptions } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import {
  authenticationOptions,
  CEREMONY_TIMEOUT_MS,
  newChallenge,
  registrationOptions,
} from '../../lambdas/core/passkeys/ceremony-options.ts';

/**
 * The options endpoints build WebAuthn options without @simplewebauthn/server (lambdas/core/passkeys/ceremony-options.ts
 * says why). They must stay exactly what the library returns for the same inputs — same keys, same order, same
 * values — so this compares the serialised JSON the endpoints send, and fails when a library upgrade changes its
 * output.
 */

const rpId = 'id.example.com';

describe('WebAuthn options built without the library', () => {
  it('authentication, discoverable credentials: the JSON generateAuthenticationOptions gives', async () => {
    // Prepare
    const challenge = newChallenge();
    // Act
    const ours = authenticationOptions({ rpId, challenge });
    const library = await generateAuthenticationOptions({
      rpID: rpId,
      challenge,
      userVerification: 'required',
      timeout: CEREMONY_TIMEOUT_MS,
    });
    // Assess
    expect(JSON.stringify(ours)).toBe(JSON.stringify(library));
  });

  it('authentication with allowCredentials (transports or not, padded ids trimmed): the same JSON', async () => {
    // Prepare
    const challenge = newChallenge();
    const allowCredentials = [
      { id: 'AAECAwQFBgcICQoLDA0ODw', transports: ['hybrid' as const, 'internal' as const] },
      { id: 'q83vEjRWeJA=' },
    ];
    // Act
    const ours = authenticationOptions({ rpId, challenge, allowCredentials });
    const library = await generateAuthenticationOptions({
      rpID: rpId,
      challenge,
      userVerification: 'required',
      timeout: CEREMONY_TIMEOUT_MS,
      allowCredentials,
    });
    // Assess
    expect(JSON.stringify(ours)).toBe(JSON.stringify(library));
    expect(ours.allowCredentials?.[1]?.id).toBe('q83vEjRWeJA');
  });

  it('refuses a credential id that is not base64url, as the library does', async () => {
    const allowCredentials = [{ id: 'not/base64url+' }];
    expect(() => authenticationOptions({ rpId, challenge: newChallenge(), allowCredentials })).toThrow(
      /not a valid base64url string/,
    );
    await expect(generateAuthenticationOptions({ rpID: rpId, allowCredentials })).rejects.toThrow(
      /not a valid base64url string/,
    );
  });

  it('registration: the JSON generateRegistrationOptions gives for a resident, user-verified key without attestation', async () => {
    // Prepare
    const challenge = newChallenge();
    const userId = new Uint8Array(Buffer.from('2f1c8e0a-5b7d-4c39-9e61-0d4a7f3b2c15', 'utf8'));
    const rp = { id: rpId, name: 'Acme Corp' };
    const user = { id: userId, name: 'ada@example.com', displayName: 'Ada Lovelace' };
    // Act
    const ours = registrationOptions({ rp, user, challenge });
    const library = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.name,
      userDisplayName: user.displayName,
      userID: userId,
      challenge,
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      timeout: CEREMONY_TIMEOUT_MS,
    });
    // Assess
    expect(JSON.stringify(ours)).toBe(JSON.stringify(library));
  });

  it('draws a new 32-byte challenge every time', () => {
    const a = newChallenge();
    const b = newChallenge();
    expect(a).toHaveLength(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
