import { apiKeyJson } from '../core/admin/api-keys.ts';
import { API_KEY_PREFIX } from '../core/admin/authenticate.ts';
import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { actorOf } from '../core/admin/principal.ts';
import { CreateApiKey } from '../core/admin/schemas.ts';
import { publicId, randomToken, sha256 } from '../core/crypto.ts';
import { Forbidden } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { API_KEY_SCOPES, type ApiKey } from '../core/store/api-keys.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants/{tenantId}/api-keys — the tenant's keys, revoked ones marked (kept 90 days). */
async function listApiKeys({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  return pageResponse(await store.apiKeys.listKeys(tenant.id, pageQuery(req)), apiKeyJson);
}

/**
 * POST /admin/tenants/{tenantId}/api-keys — by the operator or another key of the tenant (which cannot grant more
 * than it holds). The secret is in this response only; the table keeps its SHA-256.
 */
async function createApiKey({ req, store, principal, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const input = parseInput(CreateApiKey, jsonBody(req, '{ "name", "scopes"? }'));
  const scopes = API_KEY_SCOPES.filter((s) => (input.scopes ?? API_KEY_SCOPES).includes(s) || s === 'read');
  if (principal.kind === 'api-key' && !scopes.every((s) => principal.scopes.includes(s)))
    throw new Forbidden('A key cannot create a key with scopes it does not hold.');
  const keyId = publicId('key_');
  const secret = `${API_KEY_PREFIX}${tenant.id}.${keyId}.${randomToken(32)}`;
  const key: ApiKey = {
    tenantId: tenant.id,
    keyId,
    name: input.name,
    scopes,
    secretHash: sha256(secret),
    createdAt: now,
    createdBy: actorOf(principal),
  };
  return change({
    parts: [store.apiKeys.createKey(key)],
    auditTenantId: tenant.id,
    audit: { action: 'api_key.created', target: { type: 'api_key', id: keyId }, changes: { name: key.name, scopes } },
    events: [{ type: 'api_key.created', data: apiKeyJson(key) }],
    secretFields: ['secret'],
    response: json(
      201,
      { ...apiKeyJson(key), secret },
      {
        Location: `${req.baseUrl}/admin/tenants/${tenant.id}/api-keys/${keyId}`,
      },
    ),
  });
}

export const handler = createAdminHandler({ GET: listApiKeys, POST: createApiKey });
