import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteAuth } from '../../routes.ts';
import { epochSeconds } from '../clock.ts';
import type { Config } from '../config.ts';
import { safeEqual, sha256 } from '../crypto.ts';
import { Forbidden, NotFound, Unauthorized } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { logger } from '../logger.ts';
import { LAST_USED_RESOLUTION_SECONDS } from '../store/api-keys.ts';
import type { Store } from '../store/store.ts';
import { tenantIdProblem } from '../tenant-id.ts';
import type { Principal } from './principal.ts';

/**
 * Tenant API key secrets: `kw_sk_{tenantId}.{keyId}.{43 base64url characters = 32 random bytes}`. The prefix makes
 * leaks greppable (secret scanners match `kw_sk_`); the tenant and key ids (not secret) let the key be found with
 * one strongly consistent GetItem and tell a key of another tenant (404) from a bad key (401).
 */
export const API_KEY_PREFIX = 'kw_sk_';
/** A key's public id: `key_` + 16 of a-z0-9. */
export const API_KEY_ID_PATTERN = /^key_[a-z0-9]{16}$/;
const API_KEY_PATTERN = /^kw_sk_([a-z0-9-]{3,40})\.(key_[a-z0-9]{16})\.[A-Za-z0-9_-]{43}$/; // id: API_KEY_ID_PATTERN

const UNAUTHORIZED =
  'A valid operator key or tenant API key is required (Authorization: Bearer ..., or Basic with the key as the username).';

/** The credential in `Authorization`: Bearer, or HTTP Basic with the secret as the username (Authsignal's form). */
function presentedSecret(req: HttpRequest): string | undefined {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
  return user || undefined;
}

function isOperatorKey(secret: string, config: Config): boolean {
  if (!config.adminKeySha256) return false;
  const presented = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(config.adminKeySha256, 'hex');
  return expected.length === presented.length && timingSafeEqual(presented, expected);
}

/**
 * The one place management routes are authorized, from the route table's `auth` (run by the shared middleware):
 * - the operator key passes everything;
 * - a tenant key must be live (not revoked), its tenant must be the path's `{tenantId}` (else 404, so it learns
 *   nothing about other tenants), and it must hold `read` for GET or `write` for any other method (else 403);
 * - a tenant key on an operator-only route is 403; anything else is 401.
 */
export async function authenticate(
  req: HttpRequest,
  auth: Exclude<RouteAuth, 'public'>,
  deps: { store: Store; config: Config },
): Promise<Principal> {
  const secret = presentedSecret(req);
  if (!secret) throw new Unauthorized(UNAUTHORIZED);
  if (isOperatorKey(secret, deps.config)) return { kind: 'operator' };

  const match = API_KEY_PATTERN.exec(secret);
  if (!match || tenantIdProblem(match[1]!)) throw new Unauthorized(UNAUTHORIZED);
  const [, tenantId, keyId] = match as unknown as [string, string, string];
  const key = await deps.store.apiKeys.findKey(tenantId, keyId);
  if (!key || key.revokedAt !== undefined || !safeEqual(sha256(secret), key.secretHash))
    throw new Unauthorized(UNAUTHORIZED);

  // Another tenant's path is a 404 before anything else, so the answer never depends on what that tenant has.
  if (req.params.tenantId !== undefined && req.params.tenantId !== tenantId) throw new NotFound('No such tenant.');
  if (auth === 'operator')
    throw new Forbidden('This route needs the platform operator key; tenant API keys cannot call it.');
  const needed = req.method === 'GET' ? 'read' : 'write';
  if (!key.scopes.includes(needed)) throw new Forbidden(`This API key lacks the "${needed}" scope.`);

  const now = epochSeconds(deps.store.clock);
  if (key.lastUsedAt === undefined || key.lastUsedAt < now - LAST_USED_RESOLUTION_SECONDS) {
    // Bookkeeping: an admin call never fails because last_used_at could not be written (throttling, say).
    await deps.store.apiKeys.touchKey(key, now).catch((error: Error) => {
      logger.warn('could not record API key use', { keyId: key.keyId, error: error.name });
    });
  }
  return { kind: 'api-key', tenantId, keyId, scopes: key.scopes };
}
