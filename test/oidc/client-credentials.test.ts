import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { basicAuth, registerClient, setupTenant, type TestClient, tokenRequest } from '../support/oidc.ts';

let keyway: LocalKeyway;
let tenantId: string;
let issuer: string;
let service: TestClient & Record<string, unknown>;
let browserApp: TestClient & Record<string, unknown>;

beforeAll(async () => {
  keyway = await startTestKeyway();
  const ctx = await setupTenant(keyway);
  tenantId = ctx.tenantId;
  issuer = ctx.issuer;
  browserApp = ctx.client;
  // A backend with no redirect URIs at all: it only ever acts as itself.
  service = await registerClient(keyway, tenantId, {
    redirect_uris: [],
    post_logout_redirect_uris: [],
    grant_types: ['client_credentials'],
    client_name: 'Billing job',
  });
});
afterAll(async () => keyway?.stop());

async function configFor(client: TestClient) {
  return oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret!), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** Introspected by the service itself (the client the token was issued to, or the API a token's `aud` names). */
const introspect = (token: string) =>
  fetch(`${keyway.url}/${tenantId}/introspect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(service) },
    body: new URLSearchParams({ token }),
  }).then(async (r) => (await r.json()) as Record<string, unknown>);

describe('client_credentials (RFC 6749 §4.4)', () => {
  it('openid-client gets an access token for the client itself: sub = client id, client_type, no refresh or ID token', async () => {
    const config = await configFor(service);
    expect(config.serverMetadata().grant_types_supported).toContain('client_credentials');
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      sub: service.client_id,
      client_id: service.client_id,
      client_type: 'service',
      tenant_id: tenantId,
      iss: issuer,
    });
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: service.client_id });
  });

  it('OIDC Core §5.3: userinfo refuses a client token (there is no user)', async () => {
    const tokens = await oidc.clientCredentialsGrant(await configFor(service));
    const res = await fetch(`${keyway.url}/${tenantId}/userinfo`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(401);
  });

  it('RFC 7009: a revoked client token, or one of a deleted client, is inactive', async () => {
    const config = await configFor(service);
    const tokens = await oidc.clientCredentialsGrant(config);
    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await introspect(tokens.access_token)).toEqual({ active: false });

    // Its tokens are for an API (legacy `audience`) registered as a resource the service introspects for.
    const audience = 'https://billing.example.com/api';
    await admin(keyway, 'POST', `/admin/tenants/${tenantId}/resources`, {
      body: { identifier: audience, name: 'Billing API', scopes: [], client_id: service.client_id },
    });
    const doomed = await registerClient(keyway, tenantId, {
      redirect_uris: [],
      grant_types: ['client_credentials'],
      audience,
    });
    const other = await oidc.clientCredentialsGrant(await configFor(doomed));
    expect(await introspect(other.access_token)).toMatchObject({ active: true });
    await admin(keyway, 'DELETE', `/admin/tenants/${tenantId}/clients/${doomed.client_id}`);
    expect(await introspect(other.access_token)).toEqual({ active: false });
  });

  it('RFC 6749 §3.3: user scopes are refused (invalid_scope); no scope is fine', async () => {
    const form = (scope?: string) => ({ grant_type: 'client_credentials', ...(scope !== undefined ? { scope } : {}) });
    const auth = { Authorization: basicAuth(service) };
    expect((await tokenRequest(keyway, tenantId, form('openid'), auth)).body.error).toBe('invalid_scope');
    expect((await tokenRequest(keyway, tenantId, form('offline_access'), auth)).body.error).toBe('invalid_scope');
    const none = await tokenRequest(keyway, tenantId, form(), auth);
    expect(none.res.status).toBe(200);
    expect(none.body.scope).toBe('');
  });

  it('RFC 6749 §5.2: a client not registered for the grant is unauthorized_client', async () => {
    const r = await tokenRequest(
      keyway,
      tenantId,
      { grant_type: 'client_credentials' },
      { Authorization: basicAuth(browserApp) },
    );
    expect(r.body.error).toBe('unauthorized_client');
  });

  it('RFC 7591: registration refuses client_credentials for a public client, and authorization_code without redirect URIs', async () => {
    const publicClient = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
      body: { redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
    });
    expect(publicClient.res.status).toBe(400);
    expect(publicClient.body.error).toBe('invalid_client_metadata');
    const noRedirect = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/clients`, {
      body: { grant_types: ['authorization_code'] },
    });
    expect(noRedirect.res.status).toBe(400);
  });

  it('an agent is told apart from a service by client_type', async () => {
    const agent = await registerClient(keyway, tenantId, {
      redirect_uris: [],
      grant_types: ['client_credentials'],
      client_type: 'agent',
    });
    expect(agent.client_type).toBe('agent');
    const tokens = await oidc.clientCredentialsGrant(await configFor(agent));
    expect(decodeJwt(tokens.access_token).client_type).toBe('agent');
  });
});
