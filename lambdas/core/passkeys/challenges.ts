import { InvalidRequest } from '../errors.ts';
import type { Challenge } from '../store/challenges.ts';
import type { Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';

/**
 * Takes the ceremony's challenge out of the store (single use: the conditional delete hands it to exactly one
 * request) and checks it was issued for this interaction and this kind of ceremony. It is consumed before the
 * checks, so a challenge that was presented in the wrong place is burnt rather than left for another try.
 */
export async function consumeCeremonyChallenge(
  store: Store,
  interaction: Interaction,
  challengeId: string,
  purpose: Challenge['purpose'],
): Promise<Challenge> {
  const challenge = await store.challenges.consumeChallenge(interaction.tenantId, challengeId);
  if (!challenge || challenge.interactionId !== interaction.id || challenge.purpose !== purpose)
    throw new InvalidRequest('This passkey request expired or was already used; try again.');
  return challenge;
}
