/**
 * One webhook delivery attempt: a POST of the signed event through the SSRF-guarded outbound request of
 * core/http/outbound.ts (its header says what the guard does and why). The receiver URL is chosen by a tenant, vetted
 * at subscribe time (core/admin/webhooks.ts) and again before each delivery, because rules can tighten after a
 * subscription was stored.
 */
import {
  checkOutboundUrl,
  type LookupAll,
  type OutboundErrorClass,
  sendOutbound,
  type UrlPolicy,
  vetAddresses,
} from '../http/outbound.ts';

export { isPublicAddress, type LookupAll, type UrlPolicy } from '../http/outbound.ts';

export interface AttemptRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type AttemptErrorClass = OutboundErrorClass;

export interface AttemptOutcome {
  /** HTTP status when a status line arrived. */
  readonly status?: number;
  /** Wall time of the attempt in ms. */
  readonly latencyMs: number;
  /** Absent when delivered (2xx within limits). */
  readonly errorClass?: AttemptErrorClass;
  /** Parsed Retry-After (delta-seconds or HTTP-date, relative to now), in whole seconds, only on 429 and 5xx; clamp to [0, 86400]. */
  readonly retryAfterSeconds?: number;
  /** At most 1 KiB of the response body as UTF-8 text (for the delivery log), when any. */
  readonly responseSnippet?: string;
}

export interface AttemptOptions {
  readonly policy: UrlPolicy;
  /** Whole-attempt deadline (connect + send + headers + body). @default 15000 */
  readonly timeoutMs?: number;
  /** Response bytes read before giving up on the body. @default 65536 */
  readonly maxResponseBytes?: number;
  /** DNS resolution returning every address (default: dns.promises.lookup with all: true, verbatim). Injected in tests. */
  readonly lookup?: LookupAll;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RESPONSE_BYTES = 65_536;
const SNIPPET_BYTES = 1024;
const MAX_RETRY_AFTER_SECONDS = 86_400;

/** Syntactic check at subscribe time and before each delivery. Returns a human message saying what is wrong (for a 400 problem detail), or undefined when acceptable. Rules: absolute URL, at most 2048 chars, scheme https (or http only for loopback hosts under 'local'), no userinfo (user:pass@), no fragment, host not empty; under 'aws' a host that is an IP literal must be public, and the hostnames `localhost`, `*.localhost`, `*.internal`, `*.local` are refused. */
export function checkWebhookUrl(url: string, policy: UrlPolicy): string | undefined {
  return checkOutboundUrl(url, policy);
}

/**
 * The address check of an attempt on its own, for subscribe time: undefined when the URL's host resolves (now) to
 * addresses the policy allows, else why not (`dns`, `address_refused`). The URL must have passed checkWebhookUrl.
 */
export function vetReceiverAddresses(
  url: string,
  policy: UrlPolicy,
  lookup?: LookupAll,
): Promise<'dns' | 'address_refused' | undefined> {
  return vetAddresses(url, policy, lookup);
}

/** Retry-After as whole seconds from now (RFC 9110 §10.2.3), or undefined when absent or unreadable. */
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else if (/[a-z]/i.test(trimmed)) {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    // HTTP-dates have one-second resolution; rounding up never asks the dispatcher to retry early.
    seconds = Math.ceil((at - now) / 1000);
  } else {
    return undefined;
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

/** One delivery attempt (POST, JSON unless the headers say otherwise) through sendOutbound. Never throws: every failure becomes an outcome. Delivered = 2xx. */
export async function attemptDelivery(request: AttemptRequest, options: AttemptOptions): Promise<AttemptOutcome> {
  const hasContentType = Object.keys(request.headers).some((name) => name.toLowerCase() === 'content-type');
  const response = await sendOutbound(
    {
      url: request.url,
      method: 'POST',
      headers: hasContentType ? request.headers : { 'Content-Type': 'application/json', ...request.headers },
      body: request.body,
    },
    {
      policy: options.policy,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      userAgent: 'Keyway-Webhooks/1',
      lookup: options.lookup,
    },
  );
  const outcome: { -readonly [K in keyof AttemptOutcome]: AttemptOutcome[K] } = { latencyMs: response.latencyMs };
  const { status } = response;
  if (status !== undefined) outcome.status = status;
  if (response.errorClass !== undefined) outcome.errorClass = response.errorClass;
  if (status !== undefined && (status === 429 || status >= 500)) {
    const retryAfterSeconds = parseRetryAfter(
      headerValue(response.headers?.['retry-after']),
      response.respondedAt ?? Date.now(),
    );
    if (retryAfterSeconds !== undefined) outcome.retryAfterSeconds = retryAfterSeconds;
  }
  if (response.body.length > 0) {
    // stream: true withholds a multi-byte character cut at the 1 KiB boundary instead of emitting U+FFFD.
    const text = new TextDecoder('utf-8').decode(response.body.subarray(0, SNIPPET_BYTES), { stream: true });
    if (text !== '') outcome.responseSnippet = text;
  }
  return outcome;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
