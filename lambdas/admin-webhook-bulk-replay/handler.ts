import { encodeTime } from 'ulid';
import { type AdminContext, change, createAdminHandler, jsonBody } from '../core/admin/endpoint.ts';
import { BulkReplay } from '../core/admin/schemas.ts';
import { requireWebhook } from '../core/admin/webhooks.ts';
import { Conflict, InvalidRequest } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import type { Delivery } from '../core/store/webhooks.ts';
import { parseInput } from '../core/validation.ts';
import { replayMessage } from '../core/webhooks/messages.ts';
import { getWebhookQueue } from '../core/webhooks/queue.ts';

/** Deliveries one call replays at most; `truncated` says to call again with a later `since`. */
const MAX_BULK_REPLAY = 500;

/**
 * POST /admin/tenants/{tenantId}/webhooks/{webhookId}/deliveries/replay — every failed delivery of events created in
 * [since, until) gets one more attempt, oldest event first, at most 500 per call (`truncated`: call again with the same
 * range and `after` = `next_after`). 202 with the count queued.
 */
async function replayFailed({ req, store, nowMs }: AdminContext) {
  const { webhook } = await requireWebhook(req, store);
  const input = parseInput(BulkReplay, jsonBody(req, '{ "since", "until"? }'));
  // Nothing is older than 1970 (event ids start there); the log keeps 30 days anyway.
  const since = Math.max(0, Date.parse(input.since));
  const until = input.until !== undefined ? Date.parse(input.until) : nowMs;
  if (!(since < until)) throw new InvalidRequest('since must be before until.');
  if (!webhook.enabled) throw new Conflict('The webhook is disabled; enable it (PATCH enabled: true) to replay.');
  // Delivery ids start with their event's time (ULID), so the range is a key range.
  const range = { fromId: `dlv_${encodeTime(since, 10)}`, toId: `dlv_${encodeTime(until - 1, 10)}~` };
  const failed: Delivery[] = [];
  // The listing's cursor is the last delivery's sort key: `after` resumes exactly behind a truncated call.
  let cursor: string | undefined = input.after ? Buffer.from(`DLV#${input.after}`).toString('base64url') : undefined;
  do {
    const page = await store.webhooks.listDeliveries(
      webhook.tenantId,
      webhook.webhookId,
      { limit: 100, cursor },
      { status: 'failed', oldestFirst: true, ...range },
    );
    failed.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && failed.length < MAX_BULK_REPLAY);
  const chosen = failed.slice(0, MAX_BULK_REPLAY);
  const truncated = failed.length > MAX_BULK_REPLAY || (cursor !== undefined && failed.length >= MAX_BULK_REPLAY);
  const queue = chosen.length > 0 ? await getWebhookQueue() : undefined;
  for (const d of chosen) await queue!.send(replayMessage(d, nowMs), 0);
  return change({
    parts: [],
    auditTenantId: webhook.tenantId,
    audit: {
      action: 'webhook.deliveries_replayed',
      target: { type: 'webhook', id: webhook.webhookId },
      changes: { since: input.since, until: new Date(until).toISOString(), replayed: chosen.length },
    },
    response: json(202, {
      replayed: chosen.length,
      truncated,
      next_after: truncated ? (chosen.at(-1)?.deliveryId ?? null) : null,
      delivery_ids: chosen.map((d) => d.deliveryId),
    }),
  });
}

export const handler = createAdminHandler({ POST: replayFailed });
