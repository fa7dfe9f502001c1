import { epochSeconds } from '../core/clock.ts';
import { getStore } from '../core/deps.ts';
import { InsufficientScope, InvalidRequest, InvalidToken } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { verifyAccessToken } from '../core/oidc/access-token.ts';
import { tenantOriginsCors } from '../core/oidc/cors.ts';
import { hasScope } from '../core/oidc/scopes.ts';
import { userClaims } from '../core/oidc/token-minting.ts';
import { getSigner } from '../core/signing.ts';

/** RFC 6750 §2.1 (header) or §2.2 (form body, POST only); never the query string (OAuth 2.1 §5.2). */
function bearerToken(req: HttpRequest): string {
  const header = req.headers.authorization;
  const fromBody = req.method === 'POST' ? req.form.access_token : undefined;
  if (header && fromBody) throw new InvalidRequest('Send the access token once (RFC 6750 §2).');
  if (header) {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!match) throw new InvalidToken('The Authorization header is not a Bearer token.');
    return match[1]!;
  }
  if (fromBody) return fromBody;
  throw new InvalidToken('An access token is required.');
}

/** GET|POST {issuer}/userinfo — OIDC Core §5.3: claims about the signed-in user, per granted scope. */
export async function userinfo(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const token = bearerToken(req);
  const active = await verifyAccessToken(token, {
    signer: await getSigner(),
    store,
    issuer: issuerOf(req, tenant.id),
    tenantId: tenant.id,
    now: epochSeconds(store.clock),
  });
  // OIDC Core §5.3: claims about a user; a client's own token (client_credentials) has none to give.
  if (active?.subject !== 'user') throw new InvalidToken();
  const scope = active.claims.scope ?? '';
  if (!hasScope(scope, 'openid')) throw new InsufficientScope('openid');
  const user = active.user;
  return json(200, { sub: user.userId, tenant_id: tenant.id, roles: user.roles, ...userClaims(user, scope) });
}

export const handler = createTenantHandler(userinfo, { oauth: true, cors: tenantOriginsCors });
