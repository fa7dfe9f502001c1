import * as z from 'zod/mini';
import { sha256 } from '../crypto.ts';
import { getConfig, getStore } from '../deps.ts';
import { InvalidRequest, MethodNotAllowed, NotFound } from '../errors.ts';
import type { EventInput } from '../events/catalog.ts';
import { createHandler, type HttpOptions } from '../http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../http/types.ts';
import { logger } from '../logger.ts';
import type { AuditInput } from '../store/audit-log.ts';
import type { Claim, StoredResponse } from '../store/idempotency.ts';
import { keys } from '../store/keys.ts';
import { MAX_PAGE_SIZE, type Page } from '../store/paging.ts';
import type { Store } from '../store/store.ts';
import { commit, type TransactionPart, touches } from '../store/transaction.ts';
import { tenantIdProblem } from '../tenant-id.ts';
import { parseInput } from '../validation.ts';
import { authenticate } from './authenticate.ts';
import { actorOf, type Principal } from './principal.ts';

export interface AdminContext {
  readonly req: HttpRequest;
  readonly store: Store;
  readonly principal: Principal;
  /** Epoch milliseconds of this request, from the store's clock. */
  readonly nowMs: number;
  readonly now: number;
}

/**
 * A change an admin method wants made: its writes, the audit entry that describes it and the response. The endpoint
 * commits writes + audit entry (+ the idempotency record) in one transaction, so a change is never without its
 * audit entry and a replayed response never without its change.
 */
export interface AdminChange {
  readonly kind: 'change';
  readonly parts: readonly TransactionPart[];
  /** The tenant whose audit log records the change. */
  readonly auditTenantId: string;
  readonly audit: Omit<AuditInput, 'actor' | 'traceId' | 'idempotencyKey'>;
  /** Events of the change (the outbox, docs/WEBHOOKS.md), in `auditTenantId`'s stream, in the same transaction. */
  readonly events?: readonly EventInput[];
  readonly response: HttpResponse;
  /**
   * Top-level fields of the JSON response that hold a secret shown once (an API key, a client secret). The stored
   * copy for idempotent replays has them set to null: secrets are kept only as hashes, also there. A replay tells
   * the caller the change happened (and its ids); a lost secret means rotating or revoking, as for any lost secret.
   */
  readonly secretFields?: readonly string[];
  /**
   * Work that follows a committed change and may take longer than one transaction (a tenant purge, ending a user's
   * sessions). Best effort: the change has committed, so a failure is logged and the committed response returned;
   * a returned response (e.g. reporting the purge) replaces it.
   */
  readonly after?: () => Promise<HttpResponse | undefined>;
}

export type AdminMethod = (ctx: AdminContext) => Promise<HttpResponse | AdminChange>;
type Methods = Partial<Record<'GET' | 'POST' | 'PATCH' | 'DELETE', AdminMethod>>;

export function change(c: Omit<AdminChange, 'kind'>): AdminChange {
  return { kind: 'change', ...c };
}

/**
 * The pseudo-tenant of records that belong to no tenant: the operator's idempotency keys outside a tenant and the
 * platform audit log (tenant deletions). Tenant ids cannot start with `_`, so it never collides with one.
 */
export const PLATFORM_AUDIT_LOG = '_platform';

/** Idempotency keys (draft-ietf-httpapi-idempotency-key-header) apply to POST and PATCH. */
const IDEMPOTENT_METHODS = new Set(['POST', 'PATCH']);
export const REPLAY_HEADER = 'Idempotent-Replayed';

/** The key is an sf-string in the draft (`"..."`); Stripe clients send it bare. Both are accepted. */
function idempotencyKeyOf(req: HttpRequest): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw new InvalidRequest('Idempotency-Key: 1 to 255 printable ASCII characters without spaces.');
  return key;
}

/**
 * Dispatches an admin route's methods (the route table says which exist and who may call them; the middleware has
 * already authenticated the caller). POST and PATCH honour `Idempotency-Key`: the first request executes, the same
 * key with the same method, path and body replays its status and body (with `Idempotent-Replayed: true`), a
 * different request under the key is 422 and a concurrent one 409. Keys are scoped to the tenant the credential acts
 * for (`_platform` for operator calls outside any tenant).
 */
export function adminEndpoint(methods: Methods) {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const method = methods[req.method as keyof Methods];
    if (!method) throw new MethodNotAllowed(Object.keys(methods));
    if (!req.principal) throw new Error('admin endpoint reached without an authenticated principal');
    const store = getStore();
    const nowMs = store.clock.now();
    const ctx: AdminContext = { req, store, principal: req.principal, nowMs, now: Math.floor(nowMs / 1000) };

    // A malformed tenant id can name no tenant (and must not reach a key: an over-long one is a DynamoDB error).
    if (req.params.tenantId !== undefined && tenantIdProblem(req.params.tenantId))
      throw new NotFound('No such tenant.');
    const key = IDEMPOTENT_METHODS.has(req.method) ? idempotencyKeyOf(req) : undefined;
    const scope = req.params.tenantId ?? PLATFORM_AUDIT_LOG;
    let claim: Extract<Claim, { kind: 'claimed' }> | undefined;
    if (key !== undefined) {
      // The caller is part of the request: a tenant key cannot replay the operator's response (say, a plan change).
      const fingerprint = sha256(
        `${actorOf(ctx.principal)} ${req.method} ${req.path}\n${JSON.stringify(req.json ?? null)}`,
      );
      const claimed = await store.idempotency.claim(scope, key, fingerprint, ctx.now);
      if (claimed.kind === 'replay') {
        const r = claimed.response;
        return { status: r.status, headers: { ...r.headers, [REPLAY_HEADER]: 'true' }, body: r.body };
      }
      claim = claimed;
    }

    try {
      const outcome = await method(ctx);
      const result = 'kind' in outcome ? outcome : undefined;
      const response = result ? result.response : (outcome as HttpResponse);
      const parts: TransactionPart[] = [];
      if (result) {
        parts.push(...result.parts);
        const audit: AuditInput = {
          ...result.audit,
          actor: actorOf(ctx.principal),
          traceId: req.traceId,
          ...(key !== undefined ? { idempotencyKey: key } : {}),
        };
        parts.push(store.auditLog.appendEntry(result.auditTenantId, audit, nowMs));
        if (result.events) parts.push(...store.events.emitAll(result.auditTenantId, result.events, nowMs));
        // Every change under a tenant commits only while the tenant exists (see requireTenantPart).
        const tenantId = req.params.tenantId;
        if (tenantId !== undefined && !touches(parts, keys.tenant(tenantId)))
          parts.push(store.tenants.requireTenantPart(tenantId));
      }
      if (claim)
        parts.push(store.idempotency.completeClaim(scope, claim, storedResponse(response, result?.secretFields ?? [])));
      await commit(store.table, parts);
      claim = undefined; // committed: the record now holds the response
      if (result?.after) {
        try {
          return (await result.after()) ?? response;
        } catch (error) {
          logger.error('follow-up of a committed admin change failed', { error: error as Error, traceId: req.traceId });
        }
      }
      return response;
    } catch (error) {
      if (claim) await store.idempotency.release(scope, claim);
      throw error;
    }
  };
}

/** The Lambda handler of an admin route: its methods, behind the route table's `auth` (the key checks). */
export function createAdminHandler(methods: Methods, options: Omit<HttpOptions, 'authenticator'> = {}) {
  return createHandler(adminEndpoint(methods), {
    ...options,
    authenticator: (req, auth) => authenticate(req, auth, { store: getStore(), config: getConfig() }),
  });
}

function storedResponse(response: HttpResponse, secretFields: readonly string[]): StoredResponse {
  let body = response.body ?? '';
  if (secretFields.length > 0) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const field of secretFields) if (field in parsed) parsed[field] = null;
    body = JSON.stringify(parsed);
  }
  return { status: response.status, headers: { ...response.headers }, body };
}

/** A JSON object body, or a 400 that says what to send. */
export function jsonBody(req: HttpRequest, what: string): Record<string, unknown> {
  if (req.json === undefined) throw new InvalidRequest(`Send ${what} as a JSON body (Content-Type: application/json).`);
  if (typeof req.json !== 'object' || req.json === null || Array.isArray(req.json))
    throw new InvalidRequest('The JSON body must be an object.');
  return req.json as Record<string, unknown>;
}

const PageQuery = z.strictObject({
  limit: z.optional(
    z.string().check(z.regex(/^(100|[1-9][0-9]?)$/, { message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` })),
  ),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
});

/** `?limit=` (1–100, default 50) and `?cursor=`, plus the listing's own filters; any other parameter is a 400. */
export function pageQuery<F extends Record<string, z.ZodMiniType>>(
  req: HttpRequest,
  filters: F = {} as F,
): { limit: number; cursor?: string } & { [K in keyof F]?: z.infer<F[K]> } {
  const schema = z.strictObject({ ...PageQuery.shape, ...filters });
  const q = parseInput(schema, req.query) as { limit?: string; cursor?: string } & Record<string, unknown>;
  return { ...q, limit: q.limit ? Number(q.limit) : 50 } as ReturnType<typeof pageQuery<F>>;
}

/** `{ "items": [...], "next_cursor": ... }` — null on the last page. */
export function pageResponse<T>(page: Page<T>, toJson: (item: T) => unknown): HttpResponse {
  return json(200, { items: page.items.map(toJson), next_cursor: page.nextCursor ?? null });
}
