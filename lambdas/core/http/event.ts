import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { InvalidRequest, PayloadTooLarge, UnsupportedMediaType } from '../errors.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/**
 * A map of request-supplied names with no prototype: a parameter, header or cookie named `constructor`,
 * `toString` or `__proto__` is then just a name, never an inherited member (which once turned `?constructor=1` into
 * a 500).
 */
export function emptyMap<T = string>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** API Gateway REST (v1 proxy) event → HttpRequest. Throws typed errors on bad input (never a 500). */
export function toHttpRequest(
  event: APIGatewayProxyEvent,
  options: { bodyLimitBytes: number; baseUrl: string | undefined; allowRepeated?: boolean },
): HttpRequest {
  const { bodyLimitBytes } = options;
  // RFC 6749 §3.1: parameters must not be included more than once. By default that is a 400 here; endpoints a
  // browser navigates to (allowRepeated) get the names and answer with a page or a redirect of their own.
  const repeated: string[] = [];
  const onRepeat = (where: string, name: string) => {
    if (!options.allowRepeated) throw new InvalidRequest(`The ${where} parameter '${name}' is repeated.`);
    if (!repeated.includes(name)) repeated.push(name);
  };
  const headers = normalizeHeaders(event);

  const query = singleValued(event.multiValueQueryStringParameters, event.queryStringParameters, (name) =>
    onRepeat('query', name),
  );

  let raw: string | undefined;
  if (event.body != null && event.body !== '') {
    raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (Buffer.byteLength(raw, 'utf8') > bodyLimitBytes) throw new PayloadTooLarge(bodyLimitBytes);
  }

  let form: Record<string, string> = emptyMap();
  let json: unknown;
  if (raw !== undefined) {
    const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded') {
      form = parseForm(raw, (name) => onRepeat('body', name));
    } else if (type === 'application/json' || type.endsWith('+json')) {
      try {
        json = JSON.parse(raw);
      } catch {
        throw new InvalidRequest('The request body is not valid JSON.');
      }
    } else {
      throw new UnsupportedMediaType('Send application/json or application/x-www-form-urlencoded.');
    }
  }

  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    params: Object.assign(
      emptyMap(),
      Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    ),
    query,
    headers,
    cookies: parseCookies(headers.cookie),
    form,
    json,
    repeated,
    traceId: event.requestContext?.requestId ?? 'unknown',
    sourceIp: event.requestContext?.identity?.sourceIp ?? '',
    baseUrl: options.baseUrl ?? apiGatewayBaseUrl(event),
  };
}

/** The event's headers with lower-cased names (single-value headers first, then multi-value ones joined). */
export function normalizeHeaders(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>) {
  const headers: Record<string, string> = emptyMap();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 0 && headers[name.toLowerCase()] === undefined)
      headers[name.toLowerCase()] = values.join(', ');
  }
  return headers;
}

/** The API's own URL, from API Gateway's request context (not the client-supplied Host header). */
function apiGatewayBaseUrl(event: APIGatewayProxyEvent): string {
  const { domainName, stage } = event.requestContext ?? {};
  if (!domainName) throw new Error('BASE_URL is unset and the request context has no domainName');
  return stage && stage !== '$default' ? `https://${domainName}/${stage}` : `https://${domainName}`;
}

/** First value of each parameter; `onRepeat` hears of every parameter given more than once. */
function singleValued(
  multi: Record<string, string[] | undefined> | null,
  single: Record<string, string | undefined> | null,
  onRepeat: (name: string) => void,
): Record<string, string> {
  const out: Record<string, string> = emptyMap();
  if (multi) {
    for (const [name, values] of Object.entries(multi)) {
      if (!values || values.length === 0) continue;
      if (values.length > 1) onRepeat(name);
      out[name] = values[0]!;
    }
    return out;
  }
  for (const [name, value] of Object.entries(single ?? {})) if (value !== undefined) out[name] = value;
  return out;
}

export function parseForm(raw: string, onRepeat: (name: string) => void): Record<string, string> {
  const out: Record<string, string> = emptyMap();
  for (const [name, value] of new URLSearchParams(raw)) {
    if (Object.hasOwn(out, name)) onRepeat(name);
    else out[name] = value;
  }
  return out;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = emptyMap();
  if (!header) return out;
  for (const part of header.split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (Object.hasOwn(out, name)) continue; // first (most specific path) wins
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed cookie is ignored rather than failing the request
    }
  }
  return out;
}

export function toProxyResult(response: HttpResponse): APIGatewayProxyResult {
  const result: APIGatewayProxyResult = {
    statusCode: response.status,
    headers: response.headers ?? {},
    body: response.body ?? '',
  };
  if (response.cookies && response.cookies.length > 0) {
    result.multiValueHeaders = { 'Set-Cookie': [...response.cookies] };
  }
  return result;
}
