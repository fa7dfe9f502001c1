import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, Handler } from 'aws-lambda';
import { type KeywayError, MethodNotAllowed, NotFound, PayloadTooLarge, ServerError } from '../lambdas/core/errors.ts';
import { emptyMap } from '../lambdas/core/http/event.ts';
import { DEFAULT_CSP, SECURITY_HEADERS } from '../lambdas/core/http/handler.ts';
import { problemResponse } from '../lambdas/core/http/problem.ts';
import { getConfig } from '../lambdas/core/runtime-config.ts';
import { isTenantScoped, type Route } from '../lambdas/routes.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** API Gateway REST APIs cap payloads at 10 MB; the handlers enforce their own, smaller limit. */
const MAX_BODY = 10 * 1024 * 1024;

type ProxyHandler = Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
  readonly staticCount: number;
}

/**
 * The id of the route whose handler is running, for everything that handler does (awaits included): tests attribute
 * each DynamoDB call to its route with it (test/http/route-actions.test.ts). Undefined outside a handler, e.g. in
 * the local webhook dispatcher's poller.
 */
export const currentRoute = new AsyncLocalStorage<string>();

/**
 * Local mode's stand-in for the tenant authorizer (lambdas/authorizer): the context it would put on an issuer-scoped
 * request (`tenantId`, `plan`), or undefined for a tenant that does not exist.
 */
export type LocalAuthorizer = (tenantId: string) => Promise<Record<string, string> | undefined>;

/** Extra requests the local server answers itself (the demo relying party); returns false to fall through. */
export type LocalExtra = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface LocalHttpServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

function compile(route: Route): CompiledRoute {
  const segments = route.path.split('/').filter(Boolean);
  return { route, segments, staticCount: segments.filter((s) => !s.startsWith('{')).length };
}

/** API Gateway matching: a static segment beats a `{param}` segment at the same level. */
export function matchRoute(
  compiled: readonly CompiledRoute[],
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  let best: { route: Route; params: Record<string, string>; score: number } | undefined;
  for (const c of compiled) {
    if (c.segments.length !== parts.length) continue;
    const params: Record<string, string> = emptyMap();
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = c.segments[i]!;
      const part = parts[i]!;
      if (seg.startsWith('{')) {
        try {
          params[seg.slice(1, -1)] = decodeURIComponent(part);
        } catch {
          ok = false;
        }
      } else ok = seg === part;
    }
    if (ok && (!best || c.staticCount > best.score)) best = { route: c.route, params, score: c.staticCount };
  }
  return best && { route: best.route, params: best.params };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new PayloadTooLarge(MAX_BODY);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Node request → API Gateway REST (v1 proxy) event, the same shape Lambda receives behind API Gateway. */
export function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  route: Route,
  params: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = emptyMap();
  const multiValueHeaders: Record<string, string[]> = emptyMap();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = emptyMap();
  const multiQuery: Record<string, string[]> = emptyMap();
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  const hasQuery = url.searchParams.size > 0;
  const requestId = randomUUID();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(params).length > 0 ? params : null,
    stageVariables: null,
    body: body.length > 0 ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: req.method ?? 'GET',
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: req.headers['user-agent'] ?? null },
      path: url.pathname,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.id,
      resourcePath: route.path,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

function lambdaContext(route: Route, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `keyway-${route.id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:keyway-${route.id}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/keyway-${route.id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) res.setHeader(name, values.map(String));
  res.statusCode = result.statusCode;
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** What API Gateway answers itself (no route, wrong method, body too large), shaped like the handlers' errors. */
function sendProblem(res: ServerResponse, error: KeywayError): void {
  const traceId = randomUUID();
  const r = problemResponse(error, traceId, false);
  send(res, {
    statusCode: r.status,
    headers: {
      ...r.headers,
      'Cache-Control': 'no-store',
      ...SECURITY_HEADERS,
      'X-Request-Id': traceId,
      'Content-Security-Policy': DEFAULT_CSP,
    },
    body: r.body ?? '',
  });
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** A page load or link click: `Sec-Fetch-Mode: navigate`, or (a client without Fetch Metadata) one asking for HTML. */
function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate' || mode === 'nested-navigate';
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/**
 * Local mode's one redirect. Passkeys and cookies belong to BASE_URL's origin (default http://localhost:PORT), so the
 * demo and the hosted pages opened through another name of this same server — http://127.0.0.1:PORT, the address it
 * listens on — cannot sign anyone in. Such a browser navigation is sent to the same path and query on the BASE_URL
 * origin. Deliberately narrow:
 * - only navigations (isNavigation): API calls keep working on http://127.0.0.1:PORT (the tests and scripts call it
 *   directly, and a client following a cross-origin redirect would drop its Authorization header); a form POST comes
 *   from a page that was already redirected, so there is no 308 case;
 * - only from one loopback name to another, and only when BASE_URL is plain http on a loopback name and this server's
 *   port: the target is this very server, so a reverse proxy that rewrites Host can never make it loop (and in a
 *   process with two servers, the one whose port is not the configured BASE_URL's redirects nothing).
 * 307, not 308: a permanent redirect is cached, and BASE_URL may change on the next start.
 */
export function localOriginRedirect(
  req: IncomingMessage,
  baseUrl: string | undefined,
  ownPort: number,
): string | undefined {
  if (!baseUrl || !isNavigation(req) || !req.headers.host) return undefined;
  let from: URL;
  let to: URL;
  try {
    from = new URL(`http://${req.headers.host}`);
    to = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (to.protocol !== 'http:' || Number(to.port || 80) !== ownPort || from.host === to.host) return undefined;
  if (!LOOPBACK_HOST.test(from.hostname) || !LOOPBACK_HOST.test(to.hostname)) return undefined;
  const { pathname, search } = new URL(req.url ?? '/', 'http://local');
  return `${to.origin}${pathname}${search}`;
}

/**
 * The base URL the handlers work with (the runtime configuration local/app.ts installs), if it is set yet: the
 * redirect goes exactly where the handlers bind cookies and passkeys.
 */
function configuredBaseUrl(): string | undefined {
  try {
    return getConfig().baseUrl;
  } catch {
    return undefined;
  }
}

/** Serves every route's real Lambda handler, imported from its entry file, behind one HTTP server. */
export async function startHttpServer(options: {
  routes: readonly Route[];
  host: string;
  port: number;
  extra?: LocalExtra;
  authorizer?: LocalAuthorizer;
}): Promise<LocalHttpServer> {
  const compiled = options.routes.map(compile);
  const handlers = new Map<string, ProxyHandler>();
  for (const route of options.routes) {
    const mod = (await import(pathToFileURL(join(ROOT, route.entry)).href)) as { handler?: ProxyHandler };
    if (typeof mod.handler !== 'function') throw new Error(`${route.entry} does not export a handler`);
    handlers.set(route.id, mod.handler);
  }

  let boundPort = options.port;
  const server = createServer(async (req, res) => {
    try {
      const elsewhere = isNavigation(req) ? localOriginRedirect(req, configuredBaseUrl(), boundPort) : undefined;
      if (elsewhere) {
        res.writeHead(307, { Location: elsewhere, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://local');
      if (options.extra && (await options.extra(req, res))) return;
      const match = matchRoute(compiled, url.pathname);
      if (!match) return sendProblem(res, new NotFound());
      const method = (req.method ?? 'GET').toUpperCase();
      if (!match.route.methods.includes(method as Route['methods'][number]))
        return sendProblem(res, new MethodNotAllowed(match.route.methods));
      const body = await readBody(req);
      const event = toProxyEvent(req, url, match.route, match.params, body);
      if (options.authorizer && isTenantScoped(match.route) && match.params.tenantId !== undefined) {
        const context = await options.authorizer(match.params.tenantId);
        if (context) event.requestContext.authorizer = context;
      }
      const handler = handlers.get(match.route.id)!;
      const context = lambdaContext(match.route, event.requestContext.requestId);
      const result = await currentRoute.run(match.route.id, () => handler(event, context, () => undefined));
      if (!result) throw new Error(`${match.route.id} returned nothing`);
      send(res, result);
    } catch (error) {
      if (error instanceof PayloadTooLarge) return sendProblem(res, error);
      // Handlers turn their own errors into problem details; reaching here is a bug in the adapter itself.
      console.error('local server error', error);
      if (!res.headersSent) sendProblem(res, new ServerError());
      else res.end();
    }
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port, options.host, () => res());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  boundPort = port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
}
