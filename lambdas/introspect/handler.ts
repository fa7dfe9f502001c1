import { getStore } from '../core/deps.ts';
import { InvalidClient, InvalidRequest } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { acrOfGrant } from '../core/oidc/acr.ts';
import { authenticateClient } from '../core/oidc/client-auth.ts';
import { isResourceIdentifier } from '../core/oidc/resources.ts';
import { findActiveToken } from '../core/oidc/token-lookup.ts';
import { getSigner } from '../core/signing.ts';
import type { Store } from '../core/store/store.ts';

/**
 * May `callerId` learn about an access token (RFC 7662 §2.1, §4)? The client it was issued to may, and the resource
 * server it is for: the client registered as the introspecting client (`client_id`) of the resource its `aud` names
 * (RFC 8707; a client's legacy `audience` URL can be registered as a resource for this). Any other client of the
 * tenant learns nothing.
 */
async function mayIntrospect(store: Store, tenantId: string, callerId: string, claims: Record<string, unknown>) {
  if (claims.client_id === callerId) return true;
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter(
    (a): a is string => typeof a === 'string',
  );
  for (const aud of audiences) {
    if (!isResourceIdentifier(aud)) continue;
    const resource = await store.resources.findByIdentifier(tenantId, aud);
    if (resource?.clientId === callerId) return true;
  }
  return false;
}

/**
 * POST {issuer}/introspect — RFC 7662. Access tokens: only for the client they were issued to and the resource server
 * they are for (mayIntrospect); refresh tokens only by the client they were issued to (§2.2 leaves this to us).
 * Anything else — unknown, expired, revoked, another tenant's, someone else's — is `{ "active": false }`.
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

  if (found.kind === 'access_token' && (await mayIntrospect(store, tenant.id, client.clientId, found.active.claims))) {
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
      // A step-up action's answer: what happened, so a resource server asking here sees it too.
      ...(c.action !== undefined ? { action: c.action, action_state: c.action_state, action_id: c.action_id } : {}),
      // RFC 9470 §6.2: how and when the user signed in, for a resource server that requires it.
      ...(c.acr !== undefined ? { acr: c.acr } : {}),
      ...(c.auth_time !== undefined ? { auth_time: c.auth_time } : {}),
      // RFC 8693 §4.1: who acts for the subject, for a delegated token.
      ...(c.act ? { act: c.act } : {}),
      tenant_id: tenant.id,
    });
  }
  if (found.kind === 'refresh_token' && found.token.clientId === client.clientId) {
    const acr = acrOfGrant(found.grant);
    return json(200, {
      active: true,
      token_type: 'refresh_token',
      scope: found.token.scope,
      client_id: found.token.clientId,
      sub: found.grant.userId,
      iss: issuer,
      auth_time: found.grant.authTime,
      ...(acr !== undefined ? { acr } : {}),
      exp: found.token.expiresAt,
      tenant_id: tenant.id,
    });
  }
  return json(200, { active: false });
}

export const handler = createTenantHandler(introspect, { oauth: true });
