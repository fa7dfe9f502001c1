import type { Principal } from '../admin/principal.ts';

/** The transport-neutral request and response every endpoint core works with. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  /** Path parameters from the route template, e.g. `tenantId`. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * Query parameters, first value of each. A parameter given twice is refused before this is built (RFC 6749
   * §3.1), except on endpoints created with `allowRepeated`, which find its name in `repeated`.
   */
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: Readonly<Record<string, string>>;
  /** Parsed `application/x-www-form-urlencoded` body, else empty. */
  readonly form: Readonly<Record<string, string>>;
  /** Parsed `application/json` body, else undefined. */
  readonly json: unknown;
  /** Names of query or form parameters given more than once (only on `allowRepeated` endpoints). */
  readonly repeated: readonly string[];
  readonly traceId: string;
  readonly sourceIp: string;
  /** Public base of every issuer served by this deployment, without a trailing slash. */
  readonly baseUrl: string;
  /** On management routes: the authenticated caller (set by the shared middleware from the route's `auth`). */
  readonly principal?: Principal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Set-Cookie values, one per cookie. */
  readonly cookies?: readonly string[];
  readonly body?: string;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers }, body };
}

export function redirect(location: string, extra: Partial<HttpResponse> = {}): HttpResponse {
  return { status: 302, ...extra, headers: { ...extra.headers, Location: location } };
}
