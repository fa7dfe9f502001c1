import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { initialAccessTokenJson } from '../core/admin/initial-access-tokens.ts';
import { actorOf } from '../core/admin/principal.ts';
import { CreateInitialAccessToken, DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS } from '../core/admin/schemas.ts';
import { publicId, randomToken, sha256 } from '../core/crypto.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import type { InitialAccessToken } from '../core/store/initial-access-tokens.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants/{tenantId}/initial-access-tokens — uses, expiry and constraints; never a token. */
async function listTokens({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  return pageResponse(await store.initialAccessTokens.listTokens(tenant.id, pageQuery(req)), initialAccessTokenJson);
}

/**
 * POST /admin/tenants/{tenantId}/initial-access-tokens — a token for `POST {issuer}/register` (RFC 7591 §3), shown
 * in this response only (the table keeps its SHA-256). Its constraints bound every client registered with it.
 */
async function createToken({ req, store, principal, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const input = parseInput(CreateInitialAccessToken, jsonBody(req, '{ "expires_in"?, "max_uses"?, … }'));
  const tokenId = publicId('iat_');
  const secret = `kw_${tokenId}.${randomToken(32)}`;
  const token: InitialAccessToken = {
    tenantId: tenant.id,
    tokenId,
    description: input.description ?? '',
    secretHash: sha256(secret),
    createdAt: now,
    createdBy: actorOf(principal),
    expiresAt: now + (input.expires_in ?? DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS),
    ...(input.max_uses !== undefined ? { maxUses: input.max_uses } : {}),
    uses: 0,
    constraints: {
      ...(input.allowed_redirect_hosts ? { allowedRedirectHosts: [...new Set(input.allowed_redirect_hosts)] } : {}),
      ...(input.grant_types ? { grantTypes: [...new Set(input.grant_types)] } : {}),
      firstParty: input.first_party ?? false,
    },
  };
  const body = initialAccessTokenJson(token);
  return change({
    parts: [store.initialAccessTokens.createToken(token)],
    auditTenantId: tenant.id,
    audit: {
      action: 'initial_access_token.created',
      target: { type: 'initial_access_token', id: tokenId },
      changes: body,
    },
    secretFields: ['token'],
    response: json(
      201,
      { ...body, token: secret },
      { Location: `${req.baseUrl}/admin/tenants/${tenant.id}/initial-access-tokens/${tokenId}` },
    ),
  });
}

export const handler = createAdminHandler({ GET: listTokens, POST: createToken });
