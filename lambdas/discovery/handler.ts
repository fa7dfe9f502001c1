import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { providerMetadata } from './metadata.ts';

/** GET {issuer}/.well-known/openid-configuration */
export async function getOpenIdConfiguration(req: HttpRequest): Promise<HttpResponse> {
  const tenant = await requireTenant(req, getStore());
  return json(200, providerMetadata(issuerOf(req, tenant.id)), { 'Cache-Control': 'public, max-age=900' });
}

export const handler = createTenantHandler(getOpenIdConfiguration, { cors: { kind: 'public' } });
