import { KeywayError } from '../errors.ts';
import type { Locale } from '../i18n/locales.ts';
import { CATALOGS, type MessageKey, t } from '../i18n/messages.ts';
import type { Client } from '../store/clients.ts';
import type { Consent } from '../store/consents.ts';
import { parseScope } from './scopes.ts';

/**
 * When the user is asked before a client gets a code (OIDC Core §3.1.2.4), decided in two steps so that a sign-in
 * that never needs the page never reads a consent:
 * 1. `consentPolicy`, at authorize, from the request and the client alone (both already read there);
 * 2. `consentNeeded`, where a code would be issued for a user (after a passkey ceremony, single sign-on, a
 *    select_account Continue), with the user's stored consent only when the policy lets one answer.
 *
 * - `always`: the request said `prompt=consent` (OIDC Core §3.1.2.1), or the client is described by a Client ID
 *   Metadata Document (its metadata is the client's own say and may change between fetches): the page, whatever was
 *   allowed before.
 * - `unless-granted`: a third-party client, or `offline_access` on any client (OIDC Core §11: tokens that outlive
 *   the sign-in need the user's consent): the page unless the user's stored consent covers every requested scope.
 * - undefined: a first-party client asking for no `offline_access`: no page, no read.
 */
export type ConsentPolicy = 'always' | 'unless-granted';

export function consentPolicy(
  client: Pick<Client, 'firstParty' | 'fromMetadataDocument'>,
  scope: string,
  prompt: { readonly consent?: boolean },
): ConsentPolicy | undefined {
  if (prompt.consent || client.fromMetadataDocument) return 'always';
  if (client.firstParty === false || parseScope(scope).includes('offline_access')) return 'unless-granted';
  return undefined;
}

/** OIDC Core §3.1.2.6: the page is needed, but `prompt=none` forbids showing it. */
export class ConsentRequired extends KeywayError {
  constructor(detail = 'The user has not allowed this application these scopes; prompt=none cannot ask.') {
    super(400, 'consent_required', 'Consent required', detail);
  }
}

/** Does this request still need the page, given the user's stored consent (read only for `unless-granted`)? */
export function consentNeeded(policy: ConsentPolicy | undefined, scope: string, stored: Consent | undefined): boolean {
  if (policy === undefined) return false;
  if (policy === 'always' || !stored) return true;
  const granted = new Set(stored.scopes);
  return !parseScope(scope).every((s) => granted.has(s));
}

/**
 * The requested scopes in plain words (the catalogs' `scope.*`), in request order, without repeats. A scope with no
 * entry (a resource server's API scope) is shown by its name.
 */
export function scopesInWords(scope: string, locale: Locale = 'en'): string[] {
  // Own keys only: a resource scope named `constructor` is shown as its name, not as Object's.
  return parseScope(scope).map((s) => {
    const key = `scope.${s}`;
    return Object.hasOwn(CATALOGS[locale], key) ? t(locale, key as MessageKey) : s;
  });
}
