import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { NoBody } from '../core/admin/schemas.ts';
import { requireWebhook } from '../core/admin/webhooks.ts';
import { TEST_EVENT_TYPE } from '../core/events/catalog.ts';
import { json } from '../core/http/types.ts';
import { newEventId } from '../core/store/events.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST /admin/tenants/{tenantId}/webhooks/{webhookId}/test — a `webhook.test` event for this subscription only
 * (also when it is disabled), through the real outbox, queue, dispatcher and signatures. 202: it is on its way; its
 * delivery shows up in …/deliveries.
 */
async function sendTestEvent({ req, store, nowMs }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  parseInput(NoBody, req.json ?? {});
  const eventId = newEventId(nowMs);
  return change({
    parts: [],
    auditTenantId: webhook.tenantId,
    audit: {
      action: 'webhook.tested',
      target: { type: 'webhook', id: webhook.webhookId },
      changes: { event_id: eventId },
    },
    events: [
      {
        id: eventId,
        type: TEST_EVENT_TYPE,
        data: { webhook_id: webhook.webhookId, message: 'A test event sent from the Keyway admin API.' },
      },
    ],
    response: json(202, { event_id: eventId, webhook_id: webhook.webhookId }),
  });
}

export const handler = createAdminHandler({ POST: sendTestEvent });
