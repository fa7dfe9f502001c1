import { epochSeconds } from '../core/clock.ts';
import { getStore } from '../core/deps.ts';
import { InvalidRequest, NotFound, UnauthorizedClient, UnsupportedGrantType } from '../core/errors.ts';
import { createHandler } from '../core/http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { type ClientCredentials, clientCredentials, verifyClient } from '../core/oidc/client-auth.ts';
import { tenantOriginsCors } from '../core/oidc/cors.ts';
import { grantIdOfRefreshToken } from '../core/oidc/token-minting.ts';
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
  const tenantId = req.params.tenantId ?? '';
  if (tenantIdProblem(tenantId)) throw new NotFound('No such tenant.');
  // Tenant, client and (for a refresh) the presented token with its family are independent reads: one
  // BatchGetItem. Errors keep their order: unknown tenant (404), then a JSON body (400), then client
  // authentication (401), then the grant itself.
  let credentials: ClientCredentials | undefined;
  let credentialsError: unknown;
  try {
    credentials = clientCredentials(req);
  } catch (error) {
    credentialsError = error;
  }
  const refreshRaw = req.form.grant_type === 'refresh_token' ? req.form.refresh_token : undefined;
  const refreshGrantId = refreshRaw ? grantIdOfRefreshToken(refreshRaw) : undefined;
  const items = await store.loadTokenRequest(
    tenantId,
    credentials?.clientId,
    refreshRaw && refreshGrantId ? { raw: refreshRaw, grantId: refreshGrantId } : undefined,
  );
  const tenant = items.tenant;
  if (!tenant) throw new NotFound('No such tenant.');
  if (req.json !== undefined) throw new InvalidRequest('Send the token request as application/x-www-form-urlencoded.');
  if (!credentials) throw credentialsError;
  const client = verifyClient(credentials, items.client, epochSeconds(store.clock));
  const grantType = req.form.grant_type;
  if (!grantType) throw new InvalidRequest('The grant_type parameter is required.');
  if (!Object.hasOwn(GRANTS, grantType))
    throw new UnsupportedGrantType(`The grant type "${grantType}" is not supported.`);
  if (!client.grantTypes.includes(grantType as GrantType))
    throw new UnauthorizedClient(`The client is not registered for the ${grantType} grant.`);
  const tokens = await GRANTS[grantType as GrantType]({
    req,
    store,
    signer: await getSigner(),
    tenant,
    client,
    ...(refreshGrantId ? { refresh: { grantId: refreshGrantId, token: items.refreshToken, grant: items.grant } } : {}),
  });
  // RFC 6749 §5.1: no-store is added by the middleware to everything not explicitly cacheable.
  return json(200, tokens);
}

export const handler = createHandler(token, { oauth: true, cors: tenantOriginsCors });
