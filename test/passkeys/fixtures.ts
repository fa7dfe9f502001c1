import { randomBytes } from 'node:crypto';
import { sha256 } from '../../lambdas/core/crypto.ts';
import { BROWSER_COOKIE } from '../../lambdas/core/oidc/cookies.ts';
import { CSRF_HEADER } from '../../lambdas/core/oidc/sign-in.ts';
import type { Interaction } from '../../lambdas/core/store/interactions.ts';
import { DEFAULT_TENANT_SETTINGS, type Tenant, type TenantSettings } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { codeMailedTo } from '../support/hosted-pages.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

/** Shared set-up for the hosted-page tests: a tenant with a client, and an interaction as authorize leaves it. */

export const REDIRECT_URI = 'https://app.example/callback';

export async function createTenantWithClient(
  keyway: LocalKeyway,
  settings: Partial<TenantSettings> = {},
  name = 'Acme Corp',
): Promise<Tenant> {
  const tenant: Tenant = {
    id: `t-${randomBytes(5).toString('hex')}`,
    name,
    plan: 'free',
    settings: { ...DEFAULT_TENANT_SETTINGS, ...settings },
    createdAt: new Date().toISOString(),
  };
  await keyway.store.tenants.createTenant(tenant);
  await keyway.store.clients.createClient({
    tenantId: tenant.id,
    clientId: 'app',
    clientName: 'App',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: 'none',
    scope: 'openid profile email',
    allowedOrigins: [],
    issuedAt: Math.floor(Date.now() / 1000),
  });
  return tenant;
}

/** A browser in the middle of a sign-in: its binding cookie and the interaction authorize created for it. */
export interface PendingSignIn {
  readonly interaction: Interaction;
  /** The `Cookie` header the browser sends. */
  readonly cookie: string;
}

export async function startInteraction(
  keyway: LocalKeyway,
  tenant: Tenant,
  extra: { loginHint?: string; prompt?: string } = {},
): Promise<PendingSignIn> {
  const browser = randomBytes(32).toString('base64url');
  const interaction = await keyway.store.interactions.createInteraction({
    tenantId: tenant.id,
    clientId: 'app',
    redirectUri: REDIRECT_URI,
    scope: 'openid profile email',
    state: 'xyz',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    browserHash: sha256(browser),
    ...extra,
  });
  return { interaction, cookie: `${BROWSER_COOKIE}=${browser}` };
}

export function authenticatorFor(keyway: LocalKeyway): SoftAuthenticator {
  return new SoftAuthenticator(new URL(keyway.baseUrl).origin);
}

/** POSTs like the page script does: JSON, the binding cookie and the anti-CSRF header (each overridable). */
export async function postPage(
  keyway: LocalKeyway,
  tenant: Tenant,
  path: string,
  pending: PendingSignIn,
  body: Record<string, unknown>,
  override: { cookie?: string | null; csrf?: string | null } = {},
): Promise<{ res: Response; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const cookie = override.cookie === undefined ? pending.cookie : override.cookie;
  const csrf = override.csrf === undefined ? pending.interaction.csrf : override.csrf;
  if (cookie !== null) headers.Cookie = cookie;
  if (csrf !== null) headers[CSRF_HEADER] = csrf;
  const res = await fetch(`${keyway.url}/${tenant.id}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ interaction: pending.interaction.id, ...body }),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

export const ACCOUNT = { email: 'Ada.Lovelace@Example.com', givenName: 'Ada', familyName: 'Lovelace' } as const;

export { codeMailedTo as emailedCode, latestMailTo as latestMail } from '../support/hosted-pages.ts';

/**
 * The emailed-code step as the page runs it (sign-up or recovery): sends the code, reads it from the dev mailbox
 * and verifies it; returns the verified flow id.
 */
export async function proveEmail(
  keyway: LocalKeyway,
  tenant: Tenant,
  pending: PendingSignIn,
  request: Record<string, string>,
): Promise<string> {
  const sent = await postPage(keyway, tenant, '/email/code', pending, request);
  if (sent.res.status !== 200) throw new Error(`email code: ${sent.res.status} ${JSON.stringify(sent.body)}`);
  const code = await codeMailedTo(keyway, request.email!.toLowerCase());
  const checked = await postPage(keyway, tenant, '/email/code/verify', pending, { flowId: sent.body.flowId, code });
  if (checked.res.status !== 200) throw new Error(`email code verify: ${checked.res.status}`);
  return sent.body.flowId as string;
}

/** Registration options for `source`, a credential from the authenticator, and the verify answer. */
export async function registerPasskey(
  keyway: LocalKeyway,
  tenant: Tenant,
  authenticator: SoftAuthenticator,
  pending: PendingSignIn,
  source: Record<string, unknown>,
) {
  const options = await postPage(keyway, tenant, '/passkeys/registration/options', pending, source);
  if (options.res.status !== 200)
    throw new Error(`registration options: ${options.res.status} ${JSON.stringify(options.body)}`);
  const response = authenticator.create(options.body.options as never);
  const verify = await postPage(keyway, tenant, '/passkeys/registration/verify', pending, {
    challengeId: options.body.challengeId,
    response,
  });
  return { pending, response, options: options.body, ...verify };
}

/**
 * The whole sign-up as the page runs it: the emailed code (the default), or straight to the passkey when the
 * tenant's `signUpVerification` is `none`; returns the verify answer.
 */
export async function signUp(
  keyway: LocalKeyway,
  tenant: Tenant,
  authenticator: SoftAuthenticator,
  account: Record<string, string> = ACCOUNT,
) {
  const pending = await startInteraction(keyway, tenant);
  const source =
    tenant.settings.signUpVerification === 'none'
      ? account
      : { flowId: await proveEmail(keyway, tenant, pending, { purpose: 'signup', ...account }) };
  return registerPasskey(keyway, tenant, authenticator, pending, source);
}
