import { safeEqual } from '../crypto.ts';
import { AccessDenied, InvalidRequest, NotFound } from '../errors.ts';
import { sentFromAnotherSite } from '../http/form-origin.ts';
import type { HttpRequest } from '../http/types.ts';
import { issuerOf } from '../issuer.ts';
import type { Client } from '../store/clients.ts';
import type { ConsentFor, Interaction } from '../store/interactions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import { commit } from '../store/transaction.ts';
import type { User } from '../store/users.ts';
import { authorizationResponseUrl } from './authorization-response.ts';
import { findClientOf } from './client-metadata-documents.ts';
import { parseScope } from './scopes.ts';
import { issueCodeRedirect, loadInteraction } from './sign-in.ts';

/** An interaction whose sign-in is done and whose consent question is open. */
export type PendingConsent = Interaction & { readonly consentFor: ConsentFor };

const ANSWERED = 'This request was already answered, or has expired; start again from the application.';

/**
 * The interaction the consent page works on: pending, of this browser (loadInteraction), and signed in to, waiting for
 * the answer (`consentFor`, set by the sign-in that led here).
 */
export async function loadPendingConsent(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  interactionId: string | undefined,
): Promise<PendingConsent> {
  const interaction = await loadInteraction(req, store, tenant, interactionId);
  // A step-up action waiting on the account page is answered there (Continue), never by the consent page.
  if (interaction.consentFor === undefined || interaction.action !== undefined)
    throw new InvalidRequest(
      'This sign-in has not reached the question of access yet; start again from the application.',
    );
  return interaction as PendingConsent;
}

/** What the page shows besides the interaction: the application and the account, read together. */
export async function consentSubjects(
  store: Store,
  tenant: Tenant,
  pending: PendingConsent,
): Promise<{ client: Client; user: User | undefined }> {
  const [client, user] = await Promise.all([
    findClientOf(store, tenant, pending.clientId),
    store.users.findUser(tenant.id, pending.consentFor.userId),
  ]);
  if (!client) throw new NotFound('The application that asked is no longer registered here.');
  return { client, user };
}

/**
 * The answer, once: Allow stores the consent (the requested scopes merged into what the user allowed the client
 * before) and ends the interaction in one transaction, then issues the code for the account that signed in (OIDC Core
 * §3.1.2.5); Deny ends the interaction and answers `access_denied` (RFC 6749 §4.1.2.1) with `state` and `iss`.
 * A second answer of the same interaction (a replayed form, the other button in another tab) finds it gone.
 * Returns the client redirect.
 */
export async function answerConsent(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  pending: PendingConsent,
  allow: boolean,
): Promise<string> {
  const answered = () => new InvalidRequest(ANSWERED);
  if (!allow) {
    if (!(await store.interactions.finishInteraction(tenant.id, pending.id, 'consent'))) throw answered();
    return authorizationResponseUrl(
      pending.redirectUri,
      { error: 'access_denied', error_description: 'The user did not allow access.', state: pending.state },
      issuerOf(req, tenant.id),
    );
  }
  const { userId } = pending.consentFor;
  await commit(store.table, [
    store.consents.grantPart(tenant.id, userId, pending.clientId, parseScope(pending.scope)),
    store.interactions.finishPart(tenant.id, pending.id, answered, { answering: 'consent' }),
  ]);
  return issueCodeRedirect(req, store, tenant, pending, pending.consentFor);
}

/** The form must come from the page this browser was shown: same origin (or `null`) and the interaction's token. */
export function checkConsentForm(req: HttpRequest, tenant: Tenant, pending: PendingConsent): void {
  const foreign = sentFromAnotherSite(req, issuerOf(req, tenant.id));
  if (foreign || !safeEqual(req.form.csrf ?? '', pending.csrf))
    throw new AccessDenied('This answer was not sent from the page that asked. Start again from the application.');
}
