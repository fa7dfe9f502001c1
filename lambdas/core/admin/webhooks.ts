import { InvalidRequest, NotFound } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { requireTenant } from '../issuer.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Delivery, Webhook } from '../store/webhooks.ts';
import { isoTime } from '../views.ts';
import { checkWebhookUrl, type UrlPolicy, vetReceiverAddresses } from '../webhooks/http-delivery.ts';

export const WEBHOOK_ID_PATTERN = /^wh_[a-z0-9]{16}$/;

/** The admin API's view of a subscription (never its secret). */
export function webhookJson(w: Webhook) {
  return {
    id: w.webhookId,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    description: w.description,
    disabled_reason: w.disabledReason ?? null,
    failing_since: w.failingSince !== undefined ? isoTime(w.failingSince) : null,
    previous_secret_expires_at: w.previousSecretExpiresAt !== undefined ? isoTime(w.previousSecretExpiresAt) : null,
    created_at: isoTime(w.createdAt),
  };
}

export function deliveryJson(d: Delivery) {
  return {
    id: d.deliveryId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts.map((a) => ({
      attempt: a.attempt,
      at: a.at,
      response_status: a.status,
      latency_ms: a.latencyMs,
      error_class: a.errorClass,
      replay: a.replay ?? false,
    })),
    next_attempt_at: d.nextAttemptAt !== undefined ? new Date(d.nextAttemptAt).toISOString() : null,
    created_at: new Date(d.createdAt).toISOString(),
  };
}

/** The tenant and the subscription named by the path, or 404. */
export async function requireWebhook(req: HttpRequest, store: Store): Promise<{ tenant: Tenant; webhook: Webhook }> {
  const tenant = await requireTenant(req, store);
  const webhookId = req.params.webhookId ?? '';
  const webhook = WEBHOOK_ID_PATTERN.test(webhookId)
    ? await store.webhooks.findWebhook(tenant.id, webhookId)
    : undefined;
  if (!webhook) throw new NotFound('No such webhook.');
  return { tenant, webhook };
}

/**
 * A receiver URL a subscription may have: the dispatcher's own rules (https to public addresses in AWS), and, in
 * AWS, a host that resolves now to public addresses only. Deliveries check again each time (DNS can change).
 */
export async function vetWebhookUrl(url: string, policy: UrlPolicy): Promise<void> {
  const problem = checkWebhookUrl(url, policy);
  if (problem) throw new InvalidRequest(`url: ${problem}`);
  if (policy !== 'aws') return;
  // The dispatcher's own resolution and address rules (http-delivery.ts), run once now.
  const refused = await vetReceiverAddresses(url, policy);
  const host = new URL(url).hostname;
  if (refused === 'dns') throw new InvalidRequest(`url: ${host} does not resolve.`);
  if (refused) throw new InvalidRequest(`url: ${host} resolves to a private, loopback or link-local address.`);
}
