import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { providerMetadata } from './metadata.ts';

/**
 * GET {issuer}/.well-known/openid-configuration (OIDC Discovery §4), and the path-inserted forms of RFC 8414 §3.1,
 * GET /.well-known/oauth-authorization-server/{tenantId} and GET /.well-known/openid-configuration/{tenantId}: the
 * same document, whose `issuer` is the tenant's issuer wherever it was fetched (RFC 8414 §3.3).
 */
export async function getOpenIdConfiguration(req: HttpRequest): Promise<HttpResponse> {
  const tenant = await requireTenant(req, getStore());
  return json(200, providerMetadata(issuerOf(req, tenant.id), tenant), { 'Cache-Control': 'public, max-age=900' });
}

export const handler = createTenantHandler(getOpenIdConfiguration, { cors: { kind: 'public' } });
