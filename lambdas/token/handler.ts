import { getStore } from '../core/deps.ts';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../core/errors.ts';
import { createHandler } from '../core/http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { authenticateClient } from '../core/oidc/client-auth.ts';
import { tenantOriginsCors } from '../core/oidc/cors.ts';
import { getSigner } from '../core/signing.ts';
import type { GrantType } from '../core/store/clients.ts';
import { tenantIdProblem } from '../core/tenant-id.ts';
import { exchangeAuthorizationCode, type GrantContext, refreshTokens } from './grants.ts';

const GRANTS: Record<GrantType, (ctx: GrantContext) => Promise<unknown>> = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: refreshTokens,
};

/** POST {issuer}/token — RFC 6749 §3.2. */
export async function token(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  // The tenant and the client are independent reads: start both, so they cost one DynamoDB round trip, not two.
  // Errors keep their order: unknown tenant (404), then a JSON body (400), then client authentication (401).
  const tenantId = req.params.tenantId ?? '';
  const clientLookup = tenantIdProblem(tenantId) ? undefined : authenticateClient(req, store, tenantId);
  clientLookup?.catch(() => undefined); // awaited below; an earlier error must not leave it unhandled
  const tenant = await requireTenant(req, store);
  if (req.json !== undefined) throw new InvalidRequest('Send the token request as application/x-www-form-urlencoded.');
  const client = await (clientLookup ?? authenticateClient(req, store, tenant.id));
  const grantType = req.form.grant_type;
  if (!grantType) throw new InvalidRequest('The grant_type parameter is required.');
  if (!Object.hasOwn(GRANTS, grantType))
    throw new UnsupportedGrantType(`The grant type "${grantType}" is not supported.`);
  if (!client.grantTypes.includes(grantType as GrantType))
    throw new UnauthorizedClient(`The client is not registered for the ${grantType} grant.`);
  const tokens = await GRANTS[grantType as GrantType]({ req, store, signer: await getSigner(), tenant, client });
  // RFC 6749 §5.1: no-store is added by the middleware to everything not explicitly cacheable.
  return json(200, tokens);
}

export const handler = createHandler(token, { oauth: true, cors: tenantOriginsCors });
