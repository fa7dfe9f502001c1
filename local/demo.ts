import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { parseCookies } from '../lambdas/core/http/event.ts';
import { escapeHtml } from '../lambdas/core/oidc/error-page.ts';
import type { Store } from '../lambdas/core/store/store.ts';
import { DEFAULT_TENANT_SETTINGS } from '../lambdas/core/store/tenants.ts';

/**
 * The local demo relying party at `{base}/`: a real OIDC client (openid-client) doing code + PKCE against
 * the demo tenant, showing the ID-token claims and userinfo. Local mode only; it is not part of the provider.
 */
export const DEMO_TENANT_ID = 'playground';
export const DEMO_CLIENT_ID = 'demo-app';
const TX_COOKIE = 'demo_tx';

interface Transaction {
  verifier: string;
  state: string;
  nonce: string;
  createdAt: number;
}

export async function seedDemo(store: Store, baseUrl: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  if (!(await store.tenants.findTenant(DEMO_TENANT_ID))) {
    await store.tenants
      .createTenant({
        id: DEMO_TENANT_ID,
        name: 'Keyway Playground',
        plan: 'free',
        settings: DEFAULT_TENANT_SETTINGS,
        createdAt: new Date().toISOString(),
      })
      .catch((error: Error) => {
        if (error.name !== 'Conflict') throw error;
      });
  }
  await store.clients.putSeededClient({
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_CLIENT_ID,
    clientName: 'Keyway demo app',
    redirectUris: [`${baseUrl}/demo/callback`],
    postLogoutRedirectUris: [`${baseUrl}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: 'none',
    scope: 'openid profile email offline_access',
    allowedOrigins: [new URL(baseUrl).origin],
    issuedAt: now,
  });
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}
a.button,button{display:inline-block;background:#3b3bd1;color:#fff;padding:.6rem 1.2rem;border-radius:.5rem;text-decoration:none;border:0;font-size:1rem}
pre{background:#f4f4f8;padding:1rem;border-radius:.5rem;overflow:auto}</style></head><body><main>${body}</main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ...headers,
  });
  res.end(html);
}

/** Returns the local server's extra handler for `/` and `/demo/*`. */
export function demoRelyingParty(baseUrl: string) {
  const issuer = `${baseUrl}/${DEMO_TENANT_ID}`;
  const transactions = new Map<string, Transaction>();
  let config: Promise<oidc.Configuration> | undefined;
  const getConfig = () => {
    config ??= oidc
      .discovery(new URL(issuer), DEMO_CLIENT_ID, undefined, oidc.None(), {
        execute: baseUrl.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error) => {
        config = undefined;
        throw error;
      });
    return config;
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', baseUrl);
    if (req.method !== 'GET') return false;
    if (url.pathname === '/') {
      send(
        res,
        200,
        page(
          'Keyway demo',
          `<h1>Keyway demo app</h1><p>A relying party using <code>openid-client</code> against the tenant <code>${DEMO_TENANT_ID}</code> (issuer <code>${escapeHtml(issuer)}</code>): authorization code + PKCE, passkey sign-in on Keyway's hosted pages.</p><p><a class="button" href="/demo/login">Sign in</a></p>`,
        ),
      );
      return true;
    }
    if (url.pathname === '/demo/login') {
      const cfg = await getConfig();
      const tx: Transaction = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        createdAt: Date.now(),
      };
      const id = randomBytes(16).toString('base64url');
      for (const [key, old] of transactions) if (Date.now() - old.createdAt > 600_000) transactions.delete(key);
      transactions.set(id, tx);
      const target = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: `${baseUrl}/demo/callback`,
        scope: 'openid profile email offline_access',
        code_challenge: await oidc.calculatePKCECodeChallenge(tx.verifier),
        code_challenge_method: 'S256',
        state: tx.state,
        nonce: tx.nonce,
        ...(url.searchParams.get('prompt') ? { prompt: url.searchParams.get('prompt')! } : {}),
      });
      res.writeHead(302, {
        Location: target.href,
        'Set-Cookie': `${TX_COOKIE}=${id}; Path=/demo; HttpOnly; SameSite=Lax; Max-Age=600`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return true;
    }
    if (url.pathname === '/demo/callback') {
      const id = parseCookies(req.headers.cookie)[TX_COOKIE];
      const tx = id ? transactions.get(id) : undefined;
      if (!id || !tx) {
        send(res, 400, page('Demo', '<h1>No sign-in in progress</h1><p><a href="/">Start again</a></p>'));
        return true;
      }
      transactions.delete(id);
      try {
        const cfg = await getConfig();
        const tokens = await oidc.authorizationCodeGrant(cfg, url, {
          pkceCodeVerifier: tx.verifier,
          expectedState: tx.state,
          expectedNonce: tx.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims()!;
        const userinfo = await oidc.fetchUserInfo(cfg, tokens.access_token, claims.sub);
        const logout = oidc.buildEndSessionUrl(cfg, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: `${baseUrl}/`,
        });
        send(
          res,
          200,
          page(
            'Signed in',
            `<h1>Signed in as ${escapeHtml(String(userinfo.email ?? claims.sub))}</h1>
<h2>ID token claims</h2><pre id="id-token-claims">${escapeHtml(JSON.stringify(claims, null, 2))}</pre>
<h2>userinfo</h2><pre id="userinfo">${escapeHtml(JSON.stringify(userinfo, null, 2))}</pre>
<p><a class="button" href="${escapeHtml(logout.href)}">Sign out</a> <a href="/">Home</a></p>`,
          ),
          { 'Set-Cookie': `${TX_COOKIE}=; Path=/demo; Max-Age=0` },
        );
      } catch (error) {
        send(
          res,
          400,
          page(
            'Sign-in failed',
            `<h1>Sign-in failed</h1><pre>${escapeHtml((error as Error).message)}</pre><p><a href="/">Start again</a></p>`,
          ),
        );
      }
      return true;
    }
    return false;
  };
}
