import { type AdminContext, change, createAdminHandler, jsonBody } from '../core/admin/endpoint.ts';
import { PatchWebhook } from '../core/admin/schemas.ts';
import { requireWebhook, vetWebhookUrl, webhookJson } from '../core/admin/webhooks.ts';
import { getConfig } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import type { Webhook } from '../core/store/webhooks.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants/{tenantId}/webhooks/{webhookId} */
async function getWebhook({ req, store }: AdminContext) {
  return json(200, webhookJson((await requireWebhook(req, store)).webhook));
}

/**
 * PATCH /admin/tenants/{tenantId}/webhooks/{webhookId} — url, events, enabled, description. Enabling a subscription
 * Keyway disabled (410, or failing for days) clears the reason and the failing streak.
 */
async function patchWebhook({ req, store, nowMs }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  const input = parseInput(PatchWebhook, jsonBody(req, 'the fields to change'));
  if (Object.keys(input).length === 0) throw new InvalidRequest('Send at least one field to change.');
  if (input.url !== undefined) await vetWebhookUrl(input.url, getConfig().webhooks.urlPolicy);
  const { disabledReason: _d, failingSince: _f, ...rest } = webhook;
  const enabling = input.enabled === true && !webhook.enabled;
  const next: Webhook = {
    ...(enabling ? rest : webhook),
    url: input.url ?? webhook.url,
    events: input.events ?? webhook.events,
    enabled: input.enabled ?? webhook.enabled,
    description: input.description ?? webhook.description,
    updatedAt: nowMs,
  };
  return change({
    parts: [store.webhooks.updateWebhook(webhook, next)],
    auditTenantId: webhook.tenantId,
    audit: { action: 'webhook.updated', target: { type: 'webhook', id: webhook.webhookId }, changes: input },
    response: json(200, webhookJson(next)),
  });
}

/** DELETE /admin/tenants/{tenantId}/webhooks/{webhookId} — pending retries find no subscription and stop. */
async function deleteWebhook({ req, store }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  return change({
    parts: [store.webhooks.deleteWebhook(webhook)],
    auditTenantId: webhook.tenantId,
    audit: {
      action: 'webhook.deleted',
      target: { type: 'webhook', id: webhook.webhookId },
      changes: { url: webhook.url },
    },
    response: json(200, { id: webhook.webhookId, deleted: true }),
  });
}

export const handler = createAdminHandler({ GET: getWebhook, PATCH: patchWebhook, DELETE: deleteWebhook });
