import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { getSigner } from '../core/signing.ts';

/**
 * GET {issuer}/.well-known/jwks.json — every key a validator should accept (current, next and previous
 * generations during a rotation). Keys are read once per cold start, never per request.
 */
export async function getJwks(req: HttpRequest): Promise<HttpResponse> {
  await requireTenant(req, getStore());
  const jwks = await (await getSigner()).publicJwks();
  return json(200, jwks, { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'public, max-age=900' });
}

export const handler = createTenantHandler(getJwks, { cors: { kind: 'public' } });
