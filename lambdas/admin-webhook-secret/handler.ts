import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { RotateWebhookSecret } from '../core/admin/schemas.ts';
import { requireWebhook } from '../core/admin/webhooks.ts';
import { json } from '../core/http/types.ts';
import type { Webhook } from '../core/store/webhooks.ts';
import { parseInput } from '../core/validation.ts';
import { isoTime } from '../core/views.ts';
import { newSecretSalt, signingSecret } from '../core/webhooks/secrets.ts';

export const DEFAULT_WEBHOOK_SECRET_OVERLAP_SECONDS = 24 * 3600;

/**
 * POST /admin/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret — a new secret, returned once. During the
 * overlap (default 24 h) every delivery carries two signatures, one per secret, so the receiver can switch at its
 * pace. A rotation during an overlap replaces the older secret: at most two ever sign.
 */
async function rotateSecret({ req, store, now, nowMs }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  const input = parseInput(RotateWebhookSecret, req.json ?? {});
  const overlap = input.overlap_seconds ?? DEFAULT_WEBHOOK_SECRET_OVERLAP_SECONDS;
  const { previousSecretSalt: _p, previousSecretExpiresAt: _e, ...rest } = webhook;
  const next: Webhook = {
    ...rest,
    secretSalt: newSecretSalt(),
    ...(overlap > 0 ? { previousSecretSalt: webhook.secretSalt, previousSecretExpiresAt: now + overlap } : {}),
    updatedAt: nowMs,
  };
  const secret = await signingSecret(webhook.tenantId, webhook.webhookId, next.secretSalt);
  return change({
    parts: [store.webhooks.updateWebhook(webhook, next)],
    auditTenantId: webhook.tenantId,
    audit: {
      action: 'webhook.secret_rotated',
      target: { type: 'webhook', id: webhook.webhookId },
      changes: { overlap_seconds: overlap },
    },
    secretFields: ['secret'],
    response: json(200, {
      id: webhook.webhookId,
      secret,
      previous_secret_expires_at: overlap > 0 ? isoTime(now + overlap) : null,
    }),
  });
}

export const handler = createAdminHandler({ POST: rotateSecret });
