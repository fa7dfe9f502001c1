import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from './config.ts';
import { Unauthorized } from './errors.ts';
import type { HttpRequest } from './http/types.ts';

/**
 * The platform operator key (KEYWAY_ADMIN_KEY) as a Bearer token. Only its SHA-256 is held in memory and the
 * comparison is constant-time over equal-length digests.
 */
export function requireOperator(req: HttpRequest, config: Config): void {
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
  if (!match || !config.adminKeySha256)
    throw new Unauthorized('A valid operator key is required (Authorization: Bearer ...).');
  const presented = createHash('sha256').update(match[1]!).digest();
  const expected = Buffer.from(config.adminKeySha256, 'hex');
  if (expected.length !== presented.length || !timingSafeEqual(presented, expected))
    throw new Unauthorized('A valid operator key is required (Authorization: Bearer ...).');
}
