import { requireClient } from '../core/admin/clients.ts';
import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { RotateSecret } from '../core/admin/schemas.ts';
import { randomToken, sha256 } from '../core/crypto.ts';
import { InvalidRequest } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { parseInput } from '../core/validation.ts';
import { isoTime } from '../core/views.ts';

/** How long the previous secret keeps working after a rotation unless the request says otherwise. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;

/**
 * POST /admin/tenants/{tenantId}/clients/{clientId}/secret — a new secret, returned once. The previous one stays
 * valid for the overlap (default 24 h) so deployments can roll; `previous_secret_expires_at` says until when. A
 * rotation during an overlap replaces the older previous secret: at most two secrets are ever valid.
 */
async function rotateSecret({ req, store, now }: AdminContext) {
  const client = await requireClient(req, store);
  if (!client.secretHash) throw new InvalidRequest('A public client (token_endpoint_auth_method none) has no secret.');
  const input = parseInput(RotateSecret, req.json ?? {});
  const overlap = input.overlap_seconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
  const previousExpiresAt = overlap > 0 ? now + overlap : undefined;
  const secret = `kws_${randomToken(32)}`;
  return change({
    parts: [store.clients.rotateSecretPart(client, sha256(secret), previousExpiresAt)],
    auditTenantId: client.tenantId,
    audit: {
      action: 'client.secret_rotated',
      target: { type: 'client', id: client.clientId },
      changes: { overlap_seconds: overlap },
    },
    events: [
      {
        type: 'client.secret_rotated',
        data: {
          client_id: client.clientId,
          previous_secret_expires_at: previousExpiresAt !== undefined ? isoTime(previousExpiresAt) : null,
        },
      },
    ],
    secretFields: ['client_secret'],
    response: json(200, {
      client_id: client.clientId,
      client_secret: secret,
      client_secret_expires_at: 0,
      previous_secret_expires_at: previousExpiresAt ?? null,
    }),
  });
}

export const handler = createAdminHandler({ POST: rotateSecret }, { oauth: true });
