import { getStore } from '../core/deps.ts';
import { InvalidClient, InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { authenticateClient } from '../core/oidc/client-auth.ts';
import { findActiveToken } from '../core/oidc/token-lookup.ts';
import { getSigner } from '../core/signing.ts';

/**
 * POST {issuer}/introspect — RFC 7662. Any authenticated client of the tenant may introspect access
 * tokens (resource servers); refresh tokens only by the client they were issued to (§2.2 leaves this to us).
 * Anything else — unknown, expired, revoked, another tenant's — is `{ "active": false }`.
 */
export async function introspect(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const client = await authenticateClient(req, store, tenant.id);
  // Introspection reveals token contents: only clients that hold a secret may call it.
  if (client.tokenEndpointAuthMethod === 'none') throw new InvalidClient('Public clients cannot introspect tokens.');
  const token = req.form.token;
  if (!token) throw new InvalidRequest('The token parameter is required.');
  const issuer = issuerOf(req, tenant.id);
  const found = await findActiveToken(token, req.form.token_type_hint, {
    store,
    signer: await getSigner(),
    tenant,
    issuer,
  });

  if (found.kind === 'access_token') {
    const c = found.active.claims;
    return json(200, {
      active: true,
      token_type: 'Bearer',
      scope: c.scope,
      client_id: c.client_id,
      sub: c.sub,
      aud: c.aud,
      iss: c.iss,
      exp: c.exp,
      iat: c.iat,
      nbf: c.nbf,
      jti: c.jti,
      tenant_id: tenant.id,
    });
  }
  if (found.kind === 'refresh_token' && found.token.clientId === client.clientId) {
    return json(200, {
      active: true,
      token_type: 'refresh_token',
      scope: found.token.scope,
      client_id: found.token.clientId,
      sub: found.grant.userId,
      iss: issuer,
      exp: found.token.expiresAt,
      tenant_id: tenant.id,
    });
  }
  return json(200, { active: false });
}

export const handler = createTenantHandler(introspect, { oauth: true });
