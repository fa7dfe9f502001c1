import { epochSeconds } from '../clock.ts';
import { randomToken, safeEqual, sha256 } from '../crypto.ts';
import { AccessDenied, InvalidRequest, NotFound } from '../errors.ts';
import type { EventInput } from '../events/catalog.ts';
import type { HttpRequest } from '../http/types.ts';
import { issuerOf } from '../issuer.ts';
import { BROWSER_COOKIE, serializeCookie } from '../oidc/cookies.ts';
import type { AuditInput } from '../store/audit-log.ts';
import { isMetadataDocumentClientId } from '../store/client-metadata-documents.ts';
import type { Consent } from '../store/consents.ts';
import type { Interaction } from '../store/interactions.ts';
import { allPages } from '../store/paging.ts';
import type { Session } from '../store/sessions.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Grant } from '../store/tokens.ts';
import { commit, type TransactionPart } from '../store/transaction.ts';
import { endUserSessions } from '../store/user-cleanup.ts';
import { isUserActive, type Passkey, type User } from '../store/users.ts';
import { userJson } from '../views.ts';

/**
 * The account page's core: what a signed-in person sees of their account and the changes they may make to it.
 * Sensitive changes (adding or removing a passkey, signing out everywhere, revoking an app) need a passkey ceremony
 * at most REAUTH_WINDOW_SECONDS old; older sessions are sent through a re-authentication that only this account's
 * passkeys can complete.
 */
export const REAUTH_WINDOW_SECONDS = 5 * 60;

/** The client id sign-ins for the account page carry in sessions and `user.signed_in` events (no client exists). */
export const ACCOUNT_CLIENT_ID = 'keyway:account';

export interface SignedIn {
  readonly sid: string;
  readonly session: Session;
  readonly user: User;
}

/** The account forms' anti-CSRF token: derived from the session id, which only this browser's cookie holds. */
export function accountCsrf(sid: string): string {
  return sha256(`keyway:account:${sid}`);
}

export function isFresh(session: Session, now: number): boolean {
  return session.authTime > now - REAUTH_WINDOW_SECONDS;
}

/** An app with access: the user allowed it on the consent page, or it holds live tokens (or both). */
export interface ConnectedApp {
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly since: number;
}

export interface AccountView {
  readonly user: User;
  readonly passkeys: readonly Passkey[];
  readonly sessions: readonly (Session & { readonly current: boolean })[];
  readonly apps: readonly ConnectedApp[];
  readonly fresh: boolean;
}

/** Everything the page lists, read in parallel (GSI1 for the user's items, one GetItem per app's client). */
export async function loadAccount(store: Store, tenant: Tenant, signedIn: SignedIn): Promise<AccountView> {
  const now = epochSeconds(store.clock);
  const { user, session } = signedIn;
  const [passkeys, sessions, families, consents] = await Promise.all([
    store.users.listPasskeys(tenant.id, user.userId),
    allPages((page) => store.sessions.listUserSessions(tenant.id, user.userId, page)),
    store.tokens.listUserFamilies(tenant.id, user.userId),
    store.consents.list(tenant.id, user.userId),
  ]);
  const currentId = sha256(signedIn.sid);
  const live = sessions
    .filter((s) => s.expiresAt > now && isUserActive(user, s.authTime))
    .map((s) => ({ ...s, current: s.id === currentId }))
    .sort((a, b) => Number(b.current) - Number(a.current) || b.authTime - a.authTime);
  return {
    user,
    passkeys: [...passkeys].sort((a, b) => a.createdAt - b.createdAt),
    sessions: live,
    apps: await connectedApps(store, tenant, user, families, consents, now),
    fresh: isFresh(session, now),
  };
}

/**
 * The apps with access: every client the user allowed on the consent page (its granted scopes, even with no live
 * token), and every client holding a live token family (a first-party app asks no consent); both merged per client.
 */
async function connectedApps(
  store: Store,
  tenant: Tenant,
  user: User,
  families: readonly Grant[],
  consents: readonly Consent[],
  now: number,
): Promise<ConnectedApp[]> {
  const byClient = new Map<string, { scopes: Set<string>; since: number }>();
  const add = (clientId: string, scopes: readonly string[], since: number) => {
    const app = byClient.get(clientId) ?? { scopes: new Set<string>(), since };
    for (const s of scopes) app.scopes.add(s);
    app.since = Math.min(app.since, since);
    byClient.set(clientId, app);
  };
  for (const consent of consents) add(consent.clientId, consent.scopes, consent.createdAt);
  for (const family of families) {
    if (family.revokedAt !== undefined || family.expiresAt <= now || !isUserActive(user, family.authTime)) continue;
    add(family.clientId, family.scope.split(' ').filter(Boolean), family.createdAt);
  }
  const apps = await Promise.all(
    [...byClient].map(async ([clientId, app]): Promise<ConnectedApp | undefined> => {
      // A client of a metadata document is no stored client: the name its cached document gave, else its host.
      const name = isMetadataDocumentClientId(clientId)
        ? await store.clientMetadataDocuments.nameOf(tenant.id, clientId)
        : (await store.clients.findClient(tenant.id, clientId))?.clientName;
      if (name === undefined) return undefined; // a deleted client's tokens are dead already, its consent means nothing
      return { clientId, name: name || clientId, scopes: [...app.scopes], since: app.since };
    }),
  );
  return apps.filter((a): a is ConnectedApp => a !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * An interaction for a sign-in whose end is the account page (no client, no code): a first sign-in, or a
 * re-authentication that only `expectedUserId` can complete. Returns the login page URL and the browser cookie.
 */
export async function accountSignIn(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  options: { expectedUserId?: string; intent?: 'add-passkey' } = {},
): Promise<{ interaction: Interaction; url: string; cookies: string[] }> {
  const issuer = issuerOf(req, tenant.id);
  const browser = req.cookies[BROWSER_COOKIE] ?? randomToken();
  const interaction = await store.interactions.createInteraction({
    tenantId: tenant.id,
    clientId: ACCOUNT_CLIENT_ID,
    redirectUri: `${issuer}/account`,
    codeChallenge: '',
    scope: 'openid',
    returnTo: 'account',
    browserHash: sha256(browser),
    ...(options.expectedUserId !== undefined ? { expectedUserId: options.expectedUserId, prompt: 'login' } : {}),
    ...(options.intent ? { intent: options.intent } : {}),
  });
  return {
    interaction,
    url: `${issuer}/login?interaction=${encodeURIComponent(interaction.id)}`,
    cookies: [serializeCookie(req, tenant.id, BROWSER_COOKIE, browser, 24 * 3600)],
  };
}

/** What a form on the account page asks for. */
export type AccountAction =
  | { readonly action: 'profile'; readonly givenName: string; readonly familyName: string }
  | { readonly action: 'rename-passkey'; readonly credentialId: string; readonly name: string }
  | { readonly action: 'delete-passkey'; readonly credentialId: string; readonly confirmLast: boolean }
  | { readonly action: 'add-passkey' }
  | { readonly action: 'sign-out-everywhere' }
  | { readonly action: 'revoke-app'; readonly clientId: string }
  | { readonly action: 'reauthenticate' };

const SENSITIVE = new Set<AccountAction['action']>([
  'delete-passkey',
  'add-passkey',
  'sign-out-everywhere',
  'revoke-app',
]);

export function isSensitive(action: AccountAction): boolean {
  return SENSITIVE.has(action.action);
}

/** The form's token must be this session's (constant time). */
export function checkAccountCsrf(signedIn: SignedIn, token: string | undefined): void {
  if (!token || !safeEqual(token, accountCsrf(signedIn.sid)))
    throw new AccessDenied('This page was open too long or in another window. Reload it and try again.');
}

/** The outcome of a change, for the notice the page shows after it (and the Signal API calls it makes). */
export type AccountNotice =
  | 'profile-saved'
  | 'passkey-renamed'
  | 'passkey-deleted'
  | 'passkey-added'
  | 'app-revoked'
  | 'reauthenticated';

function auditOf(user: User, req: HttpRequest, input: Omit<AuditInput, 'actor' | 'traceId'>): AuditInput {
  return { ...input, actor: `user:${user.userId}`, traceId: req.traceId };
}

/** Commits a change of the user's own account with its events and its audit entry. */
async function commitChange(
  store: Store,
  tenant: Tenant,
  parts: readonly TransactionPart[],
  events: readonly EventInput[],
  audit: AuditInput,
): Promise<void> {
  const nowMs = store.clock.now();
  await commit(store.table, [
    ...parts,
    ...store.events.emitAll(tenant.id, events, nowMs),
    store.auditLog.appendEntry(tenant.id, audit, nowMs),
  ]);
}

export async function saveProfile(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  user: User,
  names: { givenName: string; familyName: string },
): Promise<AccountNotice> {
  const next: User = { ...user, ...names, updatedAt: store.clock.now() };
  await commitChange(
    store,
    tenant,
    store.users.updateUser(user, next),
    [{ type: 'user.updated', data: userJson(next) }],
    auditOf(user, req, {
      action: 'user.updated',
      target: { type: 'user', id: user.userId },
      changes: { given_name: names.givenName, family_name: names.familyName },
    }),
  );
  return 'profile-saved';
}

export async function renamePasskey(
  store: Store,
  tenant: Tenant,
  user: User,
  credentialId: string,
  name: string,
): Promise<AccountNotice> {
  if (!(await store.users.renamePasskey(tenant.id, user.userId, credentialId, name)))
    throw new NotFound('That passkey is not on your account any more.');
  return 'passkey-renamed';
}

/** Removes one of the user's passkeys; the last one only when the user confirmed it (recovery is then the way in). */
export async function deletePasskey(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  view: Pick<AccountView, 'user' | 'passkeys'>,
  credentialId: string,
  confirmLast: boolean,
): Promise<AccountNotice> {
  const { user, passkeys } = view;
  if (!passkeys.some((p) => p.credentialId === credentialId))
    throw new NotFound('That passkey is not on your account any more.');
  if (passkeys.length === 1 && !confirmLast)
    throw new InvalidRequest(
      'This is your only passkey. Confirm that you want to remove it: you will need “Lost your passkey?” to sign in again.',
    );
  await commitChange(
    store,
    tenant,
    [store.users.deletePasskey(tenant.id, user.userId, credentialId)],
    [{ type: 'passkey.removed', data: { user_id: user.userId, passkey_id: credentialId } }],
    auditOf(user, req, {
      action: 'passkey.removed',
      target: { type: 'passkey', id: credentialId },
      changes: { user_id: user.userId, via: 'account' },
    }),
  );
  return 'passkey-deleted';
}

/**
 * Signs the user out everywhere: one write marks the moment (every session and token family from before it is dead
 * at once, this browser's included), then the sessions are deleted and the families revoked, as the admin API does.
 */
export async function signOutEverywhere(req: HttpRequest, store: Store, tenant: Tenant, user: User): Promise<void> {
  const now = epochSeconds(store.clock);
  const next: User = { ...user, sessionsRevokedAt: now, updatedAt: store.clock.now() };
  await commitChange(
    store,
    tenant,
    store.users.updateUser(user, next),
    [{ type: 'session.revoked', data: { user_id: user.userId, session_id: null, reason: 'user' } }],
    auditOf(user, req, { action: 'user.sessions_revoked', target: { type: 'user', id: user.userId }, changes: {} }),
  );
  await endUserSessions(store, next, { reason: 'user' });
}

/**
 * "Remove access": deletes what the user allowed the app on the consent page and revokes every token family it holds,
 * with one `consent.revoked` (the app must sign the user in again, and ask again where it has to). The consent's
 * delete, the event and the audit entry commit together, conditioned on the consent still existing, so two removals
 * racing emit one event; the families are revoked after the commit (their `token.revoked`, reason `user`).
 */
export async function revokeApp(
  req: HttpRequest,
  store: Store,
  tenant: Tenant,
  user: User,
  clientId: string,
): Promise<AccountNotice> {
  const now = epochSeconds(store.clock);
  const [allFamilies, consent] = await Promise.all([
    store.tokens.listUserFamilies(tenant.id, user.userId),
    store.consents.find(tenant.id, user.userId, clientId, true),
  ]);
  const families = allFamilies.filter((g) => g.clientId === clientId && g.revokedAt === undefined && g.expiresAt > now);
  const gone = () => new NotFound('That app has no access to your account any more.');
  if (families.length === 0 && !consent) throw gone();
  const scopes = [...new Set([...(consent?.scopes ?? []), ...families.flatMap((g) => g.scope.split(' '))])].filter(
    Boolean,
  );
  await commitChange(
    store,
    tenant,
    consent ? [store.consents.revokePart(consent, gone)] : [],
    [{ type: 'consent.revoked', data: { user_id: user.userId, client_id: clientId, scopes } }],
    auditOf(user, req, {
      action: 'consent.revoked',
      target: { type: 'client', id: clientId },
      changes: { scopes, families: families.length },
    }),
  );
  for (const family of families) await store.tokens.revokeGrant(family, 'user');
  return 'app-revoked';
}
