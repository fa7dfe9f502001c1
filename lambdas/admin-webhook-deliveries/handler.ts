import * as z from 'zod/mini';
import { type AdminContext, createAdminHandler, pageQuery, pageResponse } from '../core/admin/endpoint.ts';
import { deliveryJson, requireWebhook } from '../core/admin/webhooks.ts';

const Status = z.enum(['pending', 'delivered', 'failed']);

/**
 * GET /admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries?status= — the subscription's delivery log, newest
 * first: every attempt with its response status, latency and error class. Kept 30 days.
 */
async function listDeliveries({ req, store }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  const { status, ...page } = pageQuery(req, { status: z.optional(Status) });
  const result = await store.webhooks.listDeliveries(webhook.tenantId, webhook.webhookId, page, { status });
  return pageResponse(result, deliveryJson);
}

export const handler = createAdminHandler({ GET: listDeliveries });
