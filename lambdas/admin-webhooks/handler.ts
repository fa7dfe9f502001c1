import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { CreateWebhook } from '../core/admin/schemas.ts';
import { vetWebhookUrl, webhookJson } from '../core/admin/webhooks.ts';
import { publicId } from '../core/crypto.ts';
import { getConfig } from '../core/deps.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import type { Webhook } from '../core/store/webhooks.ts';
import { parseInput } from '../core/validation.ts';
import { newSecretSalt, signingSecret } from '../core/webhooks/secrets.ts';

/** GET /admin/tenants/{tenantId}/webhooks */
async function listWebhooks({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  return pageResponse(await store.webhooks.listWebhooks(tenant.id, pageQuery(req)), webhookJson);
}

/**
 * POST /admin/tenants/{tenantId}/webhooks — subscribes a receiver to event types (or `["*"]`). The signing secret
 * (Standard Webhooks `whsec_…`) is in this response only.
 */
async function createWebhook({ req, store, now, nowMs }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const input = parseInput(CreateWebhook, jsonBody(req, '{ "url", "events", "enabled"?, "description"? }'));
  await vetWebhookUrl(input.url, getConfig().webhooks.urlPolicy);
  const webhook: Webhook = {
    tenantId: tenant.id,
    webhookId: publicId('wh_'),
    url: input.url,
    events: input.events,
    enabled: input.enabled ?? true,
    description: input.description ?? '',
    secretSalt: newSecretSalt(),
    createdAt: now,
    createdAtMs: nowMs,
  };
  const secret = await signingSecret(tenant.id, webhook.webhookId, webhook.secretSalt);
  const body = webhookJson(webhook);
  return change({
    parts: [store.webhooks.createWebhook(webhook)],
    auditTenantId: tenant.id,
    audit: { action: 'webhook.created', target: { type: 'webhook', id: webhook.webhookId }, changes: body },
    secretFields: ['secret'],
    response: json(
      201,
      { ...body, secret },
      { Location: `${req.baseUrl}/admin/tenants/${tenant.id}/webhooks/${webhook.webhookId}` },
    ),
  });
}

export const handler = createAdminHandler({ GET: listWebhooks, POST: createWebhook });
