import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getConfig, overrideDeps } from '../../lambdas/core/deps.ts';
import {
  CACHE_SECONDS,
  cacheSeconds,
  clientIdUrlProblem,
  clientOfDocument,
  fetchMetadataDocument,
  lookUpClient,
} from '../../lambdas/core/oidc/client-metadata-documents.ts';
import type { Tenant } from '../../lambdas/core/store/tenants.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantSnapshot } from '../support/admin.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';
import { answerConsentPage, cookiesOf, REDIRECT_URI, signedInUser, tokenRequest } from '../support/oidc.ts';
import { authorizationRequest } from '../support/relying-party.ts';
import { pkcePair } from '../support/shared-fixtures.ts';

/*
 * draft-ietf-oauth-client-id-metadata-document (CIMD), as MCP clients use it: the client_id is the URL of a JSON
 * document the authorization server fetches. Local mode (CIMD_URL_POLICY=local) may fetch loopback documents, so the
 * documents here are served by a real HTTP server on 127.0.0.1, and the flows go through the real endpoints.
 */

type Answer = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number };

let keyway: LocalKeyway;
let docs: Server;
let docBase: string;
/** path → how to answer it; set per test. */
const answers = new Map<string, (url: string) => Answer>();
/** path → how many times it was fetched. */
const fetches = new Map<string, number>();

/** A tenant accepting documents from 127.0.0.1 (the document server's host). */
let tenantId: string;
let issuer: string;

function documentOf(url: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    client_id: url,
    client_name: 'Example MCP Client',
    client_uri: 'https://mcp-client.example.com',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });
}

/** Serves `answer` at a fresh path and returns the client id URL. */
function serve(answer: (url: string) => Answer): string {
  const path = `/clients/${randomBytes(4).toString('hex')}.json`;
  answers.set(path, answer);
  return `${docBase}${path}`;
}

const validDocument = (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  serve((url) => ({ headers: { 'Cache-Control': 'max-age=600', ...headers }, body: documentOf(url, extra) }));

async function setTenantSetting(id: string, value: unknown) {
  const res = await admin(keyway, 'PATCH', `/admin/tenants/${id}`, {
    body: { settings: { clientIdMetadataDocuments: value } },
  });
  expect(res.res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function newTenant(settings: Record<string, unknown> = {}) {
  const id = `cimd-${randomBytes(4).toString('hex')}`;
  const { res } = await createTenant(keyway, { name: `Tenant ${id}`, plan: 'free', id, settings });
  expect(res.status).toBe(201);
  return id;
}

function authorizeQuery(clientId: string, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  return {
    verifier,
    query: {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
      ...extra,
    },
  };
}

async function authorizeAt(tenant: string, query: Record<string, string>, cookie?: string) {
  const url = new URL(`${keyway.url}/${tenant}/authorize`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const location = res.headers.get('location');
  return { res, location: location ? new URL(location, keyway.url) : undefined, html: await res.text() };
}

/** The developers' detail of an error page, unescaped enough to match on. */
function detailOf(html: string): string {
  const detail = /<details>.*?<p><small>(.*?)<\/small><\/p><\/details>/s.exec(html)?.[1] ?? '';
  return detail.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

beforeAll(async () => {
  keyway = await startTestKeyway();
  docs = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    const answer = answers.get(path);
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    const a = answer(`${docBase}${path}`);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
      res.end(a.body ?? '');
    };
    if (a.delayMs) setTimeout(send, a.delayMs).unref();
    else send();
  });
  await new Promise<void>((r) => docs.listen(0, '127.0.0.1', r));
  docBase = `http://127.0.0.1:${(docs.address() as { port: number }).port}`;
  tenantId = await newTenant();
  issuer = `${keyway.baseUrl}/${tenantId}`;
  await setTenantSetting(tenantId, { hosts: ['127.0.0.1'] });
});

afterAll(async () => {
  docs?.closeAllConnections();
  await new Promise((r) => docs?.close(r));
  await keyway?.stop();
});

describe('a client_id URL on a tenant that accepts Client ID Metadata Documents (local mode, loopback documents)', () => {
  it('§5.3: discovery advertises client_id_metadata_document_supported only where the tenant turned it on', async () => {
    const on = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(on.client_id_metadata_document_supported).toBe(true);
    const other = await newTenant();
    const off = await (await fetch(`${keyway.baseUrl}/${other}/.well-known/openid-configuration`)).json();
    expect(off).not.toHaveProperty('client_id_metadata_document_supported');
  });

  it('a full code flow with openid-client: the document is fetched once, consent names its host and the redirect host, tokens, refresh, userinfo, revocation', async () => {
    const clientId = validDocument();
    const path = new URL(clientId).pathname;
    const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    expect(config.serverMetadata().client_id_metadata_document_supported).toBe(true);
    const user = await signedInUser(keyway, tenantId);

    const request = await authorizationRequest(config, REDIRECT_URI, 'openid profile email offline_access');
    const started = await fetch(request.url, { redirect: 'manual', headers: { cookie: user.cookie } });
    const consentAt = new URL(started.headers.get('location')!, keyway.url);
    // A document's client is a third party that is always asked (§6.4 phishing: the hosts are shown).
    expect(consentAt.pathname).toBe(`/${tenantId}/consent`);
    const answered = await answerConsentPage(keyway, consentAt, `${user.cookie}; ${cookiesOf(started)}`);
    expect(answered.page).toContain('Example MCP Client wants to use your');
    expect(answered.page).toContain('You will be sent to <strong>app.example.com</strong>');
    expect(answered.page).toContain('It identifies itself with a document on <strong>127.0.0.1:');

    const tokens = await oidc.authorizationCodeGrant(config, answered.location!, request.checks);
    expect(tokens.claims()).toMatchObject({ aud: clientId, sub: user.userId });
    expect(tokens.refresh_token).toBeTruthy();

    // The family outlives no CLIENT item (there is none): refresh and userinfo work.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(config, refreshed.access_token, user.userId);
    expect(info.sub).toBe(user.userId);

    // authorize, consent page, code redemption, refresh: one fetch (the cache, max-age=600).
    expect(fetches.get(path)).toBe(1);
    const cached = await keyway.store.clientMetadataDocuments.find(tenantId, clientId);
    expect(cached!.expiresAt - cached!.fetchedAt).toBe(600);

    // A second authorization within max-age fetches nothing, and asks again (consent is always shown for them).
    const again = await authorizationRequest(config, REDIRECT_URI, 'openid');
    const second = await fetch(again.url, { redirect: 'manual', headers: { cookie: user.cookie } });
    expect(new URL(second.headers.get('location')!, keyway.url).pathname).toBe(`/${tenantId}/consent`);
    expect(fetches.get(path)).toBe(1);

    // The account page lists the application by the name its document gave.
    const account = await fetch(`${issuer}/account`, { headers: { cookie: user.cookie } });
    expect(await account.text()).toContain('Example MCP Client');

    // RFC 7009: the public client revokes its refresh token; the family is gone.
    await oidc.tokenRevocation(config, refreshed.refresh_token!, { token_type_hint: 'refresh_token' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('RP-Initiated Logout §3: a listed post_logout_redirect_uri is used only with an id_token_hint issued to the client (RFC 9700 §4.11.2); another never', async () => {
    const bye = 'https://mcp-client.example.com/bye';
    const clientId = validDocument({ post_logout_redirect_uris: [bye] });
    const endSession = (uri: string, hint?: string) =>
      fetch(
        `${issuer}/end-session?${new URLSearchParams({
          client_id: clientId,
          post_logout_redirect_uri: uri,
          state: 's',
          ...(hint ? { id_token_hint: hint } : {}),
        })}`,
        { redirect: 'manual' },
      );
    // Without a hint anyone could have made this link: the sign-out happens, the redirect does not.
    const unhinted = await endSession(bye);
    expect(unhinted.status).toBe(200);
    expect(unhinted.headers.get('location')).toBeNull();
    // With the client's own ID token it goes back.
    const user = await signedInUser(keyway, tenantId);
    const { verifier, query } = authorizeQuery(clientId);
    const started = await authorizeAt(tenantId, query, user.cookie);
    const answered = await answerConsentPage(keyway, started.location!, `${user.cookie}; ${cookiesOf(started.res)}`);
    const tokens = await tokenRequest(keyway, tenantId, {
      grant_type: 'authorization_code',
      code: answered.location!.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
    });
    const listed = await endSession(bye, tokens.body.id_token as string);
    expect(listed.status).toBe(302);
    expect(listed.headers.get('location')).toBe(`${bye}?state=s`);
    const other = await endSession('https://evil.example.com/bye', tokens.body.id_token as string);
    expect(other.status).toBe(200);
    expect(other.headers.get('location')).toBeNull();
  });

  it('OIDC Core §3.1.2.6: prompt=none cannot skip the consent a document client always needs', async () => {
    const clientId = validDocument();
    const user = await signedInUser(keyway, tenantId);
    const { location } = await authorizeAt(tenantId, authorizeQuery(clientId, { prompt: 'none' }).query, user.cookie);
    expect(location?.origin).toBe('https://app.example.com');
    expect(location?.searchParams.get('error')).toBe('consent_required');
  });

  it('§5.2: Cache-Control no-store still caches for the floor, so one sign-in fetches once; no max-age: the default', async () => {
    const noStore = validDocument({}, { 'Cache-Control': 'no-store' });
    await authorizeAt(tenantId, authorizeQuery(noStore).query);
    const a = await keyway.store.clientMetadataDocuments.find(tenantId, noStore);
    expect(a!.expiresAt - a!.fetchedAt).toBe(CACHE_SECONDS.min);
    const plain = serve((url) => ({ body: documentOf(url) }));
    await authorizeAt(tenantId, authorizeQuery(plain).query);
    const b = await keyway.store.clientMetadataDocuments.find(tenantId, plain);
    expect(b!.expiresAt - b!.fetchedAt).toBe(CACHE_SECONDS.default);
  });

  it('a document that declares no client_name is shown by its host; no grant_types means authorization_code', async () => {
    const clientId = serve((url) => ({
      body: JSON.stringify({ client_id: url, redirect_uris: [REDIRECT_URI] }),
    }));
    const { location } = await authorizeAt(tenantId, authorizeQuery(clientId).query);
    expect(location?.pathname).toBe(`/${tenantId}/login`);
    const cached = await keyway.store.clientMetadataDocuments.find(tenantId, clientId);
    expect(cached!.client).toMatchObject({
      clientName: new URL(docBase).host,
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      firstParty: false,
      fromMetadataDocument: true,
    });
  });
});

describe('a document that cannot be used: the unknown-client page at authorize, invalid_client at token, nothing written', () => {
  afterEach(() => overrideDeps({ config: { ...getConfig(), clientIdMetadataDocuments: defaultCimdConfig } }));
  let defaultCimdConfig: ReturnType<typeof getConfig>['clientIdMetadataDocuments'];
  beforeAll(() => {
    defaultCimdConfig = getConfig().clientIdMetadataDocuments;
  });

  /** authorize answers the "unknown application" page (no redirect to an untrusted URI) and stores nothing. */
  async function expectRefused(tenant: string, clientId: string, reason: RegExp) {
    const before = await tenantSnapshot(keyway, tenant);
    const { res, html } = await authorizeAt(tenant, authorizeQuery(clientId).query);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(html).toContain('This application is not known here');
    expect(detailOf(html)).toMatch(reason);
    expect(await tenantSnapshot(keyway, tenant)).toEqual(before);
  }

  it('§6.6: a document larger than 5 KiB', async () => {
    const clientId = serve((url) => ({ body: documentOf(url, { padding: 'x'.repeat(6000) }) }));
    await expectRefused(tenantId, clientId, /larger than 5120 bytes/);
  });

  it('a document that does not arrive within the deadline', async () => {
    overrideDeps({
      config: { ...getConfig(), clientIdMetadataDocuments: { urlPolicy: 'local', fetchTimeoutMs: 200 } },
    });
    const clientId = serve((url) => ({ body: documentOf(url), delayMs: 1500 }));
    const started = Date.now();
    await expectRefused(tenantId, clientId, /did not arrive within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('§4: a body that is not JSON, and JSON served as text/html', async () => {
    const garbage = serve(() => ({ body: '<html>not json</html>' }));
    await expectRefused(tenantId, garbage, /is not valid JSON/);
    const html = serve((url) => ({ headers: { 'Content-Type': 'text/html' }, body: documentOf(url) }));
    await expectRefused(tenantId, html, /is not served as JSON \(Content-Type "text\/html"/);
  });

  it('§4: a document whose client_id is not exactly the URL it was fetched from', async () => {
    const clientId = serve((url) => ({ body: documentOf(`${url}?v=2`) }));
    await expectRefused(tenantId, clientId, /client_id .* is not the URL it was fetched from/);
  });

  it('§5: a redirect (302) is never followed', async () => {
    const target = validDocument();
    const clientId = serve(() => ({ status: 302, headers: { Location: target } }));
    await expectRefused(tenantId, clientId, /answered with a redirect \(302\); redirects are not followed/);
    expect(fetches.get(new URL(target).pathname)).toBeUndefined();
  });

  it('§5: any status but 200', async () => {
    const clientId = serve(() => ({ status: 404, body: '{}' }));
    await expectRefused(tenantId, clientId, /answered HTTP 404, not 200/);
  });

  it('§4.1: a secret, or a shared-secret method; private_key_jwt is not supported yet', async () => {
    await expectRefused(
      tenantId,
      validDocument({ client_secret: 'shh' }),
      /must not contain client_secret or client_secret_expires_at/,
    );
    await expectRefused(
      tenantId,
      validDocument({ token_endpoint_auth_method: 'client_secret_basic' }),
      /"client_secret_basic" is not allowed/,
    );
    await expectRefused(
      tenantId,
      validDocument({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://example.com/jwks' }),
      /private_key_jwt is not supported yet/,
    );
  });

  it('redirect URIs are checked as a registered client’s; an authorize redirect_uri the document lacks is refused', async () => {
    await expectRefused(
      tenantId,
      validDocument({ redirect_uris: ['http://evil.example.com/cb'] }),
      /must use https \(http only on loopback\)/,
    );
    const clientId = validDocument();
    const before = await tenantSnapshot(keyway, tenantId);
    const { res, html } = await authorizeAt(tenantId, {
      ...authorizeQuery(clientId).query,
      redirect_uri: 'https://evil.example.com/cb',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(detailOf(html)).toMatch(/redirect_uri is not one of the client’s registered redirect URIs/);
    // Only the (valid) document was cached: no interaction, no code.
    const after = await tenantSnapshot(keyway, tenantId);
    expect(after.filter((item) => !before.includes(item))).toEqual([expect.stringContaining('"sk":"CIMD#')]);
  });

  it('a host not in the tenant’s allow-list is not fetched', async () => {
    const other = await newTenant({ clientIdMetadataDocuments: { hosts: ['mcp.example.com'] } });
    const clientId = validDocument();
    await expectRefused(other, clientId, /host 127\.0\.0\.1 is not one this tenant accepts/);
    expect(fetches.get(new URL(clientId).pathname)).toBeUndefined();
  });

  it('with the setting off (the default), a client_id URL is an unknown client, and nothing is fetched', async () => {
    const off = await newTenant();
    const clientId = validDocument();
    await expectRefused(off, clientId, /does not accept Client ID Metadata Documents/);
    expect(fetches.get(new URL(clientId).pathname)).toBeUndefined();
  });

  it('§3: a client_id URL without a path, or with dot segments, is not fetched', async () => {
    const anyHost = await newTenant({ clientIdMetadataDocuments: { anyHttps: true } });
    await expectRefused(anyHost, docBase, /must have a path/);
    await expectRefused(anyHost, `${docBase}/a/../clients/x.json`, /must not contain "\." or "\.\." segments/);
  });

  it('RFC 6749 §5.2: the token endpoint answers invalid_client, saying why', async () => {
    const clientId = serve((url) => ({ body: documentOf(`${url}-other`) }));
    const { res, body } = await tokenRequest(keyway, tenantId, {
      grant_type: 'authorization_code',
      code: 'whatever',
      redirect_uri: REDIRECT_URI,
      code_verifier: 'v'.repeat(43),
      client_id: clientId,
    });
    expect(res.status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(/is not the URL it was fetched from/);
  });
});

describe('the SSRF guard (§6.5) in AWS mode: public addresses only', () => {
  const tenant = { id: 'acme', settings: { clientIdMetadataDocuments: { anyHttps: true } } } as unknown as Tenant;

  it.each([['10.0.0.5'], ['169.254.169.254'], ['127.0.0.1'], ['fd00:ec2::254']])(
    'refuses a name that resolves to %s, without connecting',
    async (address) => {
      const lookup = async () => [{ address, family: address.includes(':') ? (6 as const) : (4 as const) }];
      const fetched = await fetchMetadataDocument('https://mcp.example.com/client.json', {
        policy: 'aws',
        timeoutMs: 1000,
        lookup,
      });
      expect(fetched).toEqual({ problem: expect.stringMatching(/private or special-use address/) });
    },
  );

  it('refuses a name that mixes a public and a private address', async () => {
    const lookup = async () => [
      { address: '93.184.216.34', family: 4 as const },
      { address: '10.1.2.3', family: 4 as const },
    ];
    const lookup2 = await lookUpClient(keyway.store, tenant, 'https://mcp.example.com/client.json', {
      policy: 'aws',
      timeoutMs: 1000,
      lookup,
    });
    expect(lookup2.problem).toMatch(/private or special-use address/);
  });

  it('refuses loopback and http URLs outright (they are for local mode only)', () => {
    expect(clientIdUrlProblem('https://127.0.0.1/client.json', 'aws')).toMatch(/public IP address/);
    expect(clientIdUrlProblem('https://localhost/client.json', 'aws')).toMatch(/publicly resolvable/);
    expect(clientIdUrlProblem('http://mcp.example.com/client.json', 'aws')).toMatch(/must use https/);
    expect(clientIdUrlProblem('http://127.0.0.1:8080/client.json', 'local')).toBeUndefined();
  });
});

describe('§3 Client Identifier URL rules', () => {
  it.each([
    ['https://mcp.example.com', /must have a path/],
    ['https://mcp.example.com?x=1', /must have a path/],
    ['https://mcp.example.com/a/./b', /"\." or "\.\." segments/],
    ['https://mcp.example.com/a/../b', /"\." or "\.\." segments/],
    ['https://mcp.example.com/a/%2E%2e/b', /"\." or "\.\." segments/],
    ['https://mcp.example.com/org\\..\\..\\evil/doc.json', /backslash/],
    ['https://mcp.example.com/client#frag', /fragment/],
    ['https://user:pw@mcp.example.com/client', /credentials/],
    ['https://mcp.example.com/ client', /whitespace/],
    [`https://mcp.example.com/${'a'.repeat(233)}`, /longer than 256 bytes/],
  ])('refuses %s', (url, problem) => {
    expect(clientIdUrlProblem(url, 'aws')).toMatch(problem);
  });

  it.each([
    'https://mcp.example.com/',
    'https://mcp.example.com/client.json',
    'https://mcp.example.com:8443/oauth/client',
    'https://mcp.example.com/client?version=2',
    'https://mcp.example.com/a..b/.well-known/client',
  ])('accepts %s', (url) => {
    expect(clientIdUrlProblem(url, 'aws')).toBeUndefined();
  });
});

describe('§4 document validation', () => {
  const url = 'https://mcp.example.com/client.json';
  const valid = { client_id: url, redirect_uris: ['https://mcp.example.com/cb', 'http://127.0.0.1/cb'] };
  const judge = (doc: unknown) => clientOfDocument(url, 'acme', doc, 1000);

  it('builds a public, third-party client of the authorization code grant', () => {
    expect(judge({ ...valid, client_name: '  Claude  ', scope: 'openid offline_access' })).toEqual({
      tenantId: 'acme',
      clientId: url,
      clientName: 'Claude',
      redirectUris: valid.redirect_uris,
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      scope: 'openid offline_access',
      firstParty: false,
      resources: [],
      fromMetadataDocument: true,
      allowedOrigins: ['https://mcp.example.com', 'http://127.0.0.1'],
      issuedAt: 1000,
    });
  });

  it('ignores what only administrators may grant (first_party, token_exchange, audience)', () => {
    const client = judge({ ...valid, first_party: true, token_exchange: { scopes: ['openid'] }, audience: 'x' });
    expect(client).toMatchObject({ firstParty: false });
    expect(client).not.toHaveProperty('tokenExchange');
    expect(client).not.toHaveProperty('audience');
  });

  it.each([
    [[], /not a JSON object/],
    ['text', /not a JSON object/],
    [{ redirect_uris: valid.redirect_uris }, /has no client_id/],
    [{ ...valid, client_id: `${url}/` }, /not the URL it was fetched from/],
    [{ ...valid, client_secret_expires_at: 0 }, /client_secret/],
    [{ ...valid, token_endpoint_auth_method: 'client_secret_jwt' }, /not allowed/],
    [{ ...valid, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, /private or symmetric key material/],
    [{ ...valid, jwks: { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y' }] } }, /private or symmetric key material/],
    [{ client_id: url }, /redirect_uris must be a list/],
    [{ ...valid, redirect_uris: [] }, /redirect_uris must be a list/],
    [{ ...valid, redirect_uris: ['https://a.example.com/cb#x'] }, /must not contain a fragment/],
    [{ ...valid, redirect_uris: ['javascript:alert(1)'] }, /must be https/],
    [{ ...valid, post_logout_redirect_uris: ['http://a.example.com/'] }, /post_logout_redirect_uris/],
    [{ ...valid, grant_types: ['client_credentials'] }, /grant_types must be authorization_code/],
    [{ ...valid, grant_types: ['refresh_token'] }, /grant_types must be authorization_code/],
    [{ ...valid, response_types: ['token'] }, /response_types/],
    [{ ...valid, scope: 'openid admin' }, /scope must be/],
    [{ ...valid, client_name: 'Evil\u202eppA' }, /client_name/],
    [{ ...valid, client_name: '' }, /client_name/],
  ])('refuses %j', (doc, problem) => {
    expect(judge(doc)).toMatch(problem);
  });
});

describe('§5.2 cache lifetime from HTTP caching headers (RFC 9111), within bounds', () => {
  it.each([
    [undefined, undefined, CACHE_SECONDS.default],
    ['max-age=600', undefined, 600],
    ['public, max-age=600', '100', 500],
    ['max-age=10', undefined, CACHE_SECONDS.min],
    ['max-age=999999', undefined, CACHE_SECONDS.max],
    ['no-store', undefined, CACHE_SECONDS.min],
    ['no-cache, max-age=600', undefined, CACHE_SECONDS.min],
    ['max-age=abc', undefined, CACHE_SECONDS.default],
  ])('Cache-Control %s, Age %s → %i s', (cacheControl, age, seconds) => {
    expect(cacheSeconds(cacheControl, age)).toBe(seconds);
  });
});

describe('the admin API setting', () => {
  it('accepts hosts or anyHttps, refuses anything else, and PATCH null turns it off', async () => {
    const id = await newTenant();
    expect((await setTenantSetting(id, { anyHttps: true })).settings).toMatchObject({
      clientIdMetadataDocuments: { anyHttps: true },
    });
    for (const bad of [{ hosts: [] }, { hosts: ['Not A Host'] }, { anyHttps: false }, { hosts: ['a.example'], x: 1 }]) {
      const res = await admin(keyway, 'PATCH', `/admin/tenants/${id}`, {
        body: { settings: { clientIdMetadataDocuments: bad } },
      });
      expect(res.res.status, JSON.stringify(bad)).toBe(400);
    }
    const off = await setTenantSetting(id, null);
    expect(off.settings).not.toHaveProperty('clientIdMetadataDocuments');
  });
});
