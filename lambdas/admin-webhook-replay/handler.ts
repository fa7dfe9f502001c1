import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { NoBody } from '../core/admin/schemas.ts';
import { requireWebhook } from '../core/admin/webhooks.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { parseInput } from '../core/validation.ts';
import { replayMessage } from '../core/webhooks/messages.ts';
import { getWebhookQueue } from '../core/webhooks/queue.ts';

/**
 * POST /admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/replay — one more attempt of that
 * delivery now, whatever its state (same event id, fresh timestamp and signatures). 202: queued.
 */
async function replayDelivery({ req, store, nowMs }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  parseInput(NoBody, req.json ?? {});
  const delivery = await store.webhooks.findDelivery(webhook.tenantId, webhook.webhookId, req.params.deliveryId ?? '');
  if (!delivery) throw new NotFound('No such delivery (the log keeps 30 days).');
  if (!webhook.enabled) throw new Conflict('The webhook is disabled; enable it (PATCH enabled: true) to replay.');
  // Queued before the audit entry commits: a failed commit then costs an unaudited replay, never a lost one.
  await (await getWebhookQueue()).send(replayMessage(delivery, nowMs), 0);
  return change({
    parts: [],
    auditTenantId: webhook.tenantId,
    audit: {
      action: 'webhook.delivery_replayed',
      target: { type: 'webhook', id: webhook.webhookId },
      changes: { delivery_id: delivery.deliveryId, event_id: delivery.eventId },
    },
    response: json(202, { delivery_id: delivery.deliveryId, event_id: delivery.eventId, queued: true }),
  });
}

export const handler = createAdminHandler({ POST: replayDelivery });
