import * as z from 'zod/mini';
import { type AdminContext, createAdminHandler } from '../core/admin/endpoint.ts';
import { getConfig } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { EVENT_TYPES, isEventType } from '../core/events/catalog.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { isEventId } from '../core/store/events.ts';
import { parseInput } from '../core/validation.ts';

const FeedQuery = z.strictObject({
  after: z.optional(z.string().check(z.refine(isEventId, { message: 'must be an event id (evt_…)' }))),
  types: z.optional(z.string().check(z.maxLength(1000))),
  limit: z.optional(z.string().check(z.regex(/^(100|[1-9][0-9]?)$/, { message: 'must be an integer from 1 to 100' }))),
});

/**
 * GET /admin/tenants/{tenantId}/events?after=&types=&limit= — the tenant's events oldest first, with the ids their
 * webhooks carry, kept 30 days. Follow `next_after`. Only events older than the settle window are served, so an
 * event that commits late can never land behind a reader's position (docs/WEBHOOKS.md, ordering).
 */
async function readFeed({ req, store, nowMs }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const q = parseInput(FeedQuery, req.query);
  const types = q.types?.split(',').map((t) => t.trim());
  const unknown = types?.find((t) => !isEventType(t));
  if (unknown !== undefined)
    throw new InvalidRequest(`types: "${unknown}" is not an event type (${EVENT_TYPES.join(', ')}).`);
  const settledBeforeMs = nowMs - getConfig().eventFeedSettleMs;
  const page = await store.events.readFeed(tenant.id, {
    after: q.after,
    types,
    limit: q.limit ? Number(q.limit) : 50,
    settledBeforeMs,
  });
  return json(200, {
    items: page.events,
    next_after: page.nextAfter ?? q.after ?? null,
    settled_until: new Date(settledBeforeMs).toISOString(),
  });
}

export const handler = createAdminHandler({ GET: readFeed });
