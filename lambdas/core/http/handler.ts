import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { authOf, isTenantScoped, type Route, type RouteAuth, routes } from '../../routes.ts';
import type { Principal } from '../admin/principal.ts';
import { logger } from '../logger.ts';
import { parseBasic } from '../oidc/client-auth.ts';
import {
  type LimitOutcome,
  RATE_LIMIT_HEADER_NAMES,
  RateLimited,
  type RateLimiter,
  rateLimitHeaders,
} from '../rate-limit/outcome.ts';
import { getConfig } from '../runtime-config.ts';
import { normalizeHeaders, toHttpRequest, toProxyResult } from './event.ts';
import { asKeywayError, problemResponse } from './problem.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/** The route table by API Gateway resource path, built once per process. */
const ROUTES_BY_PATH: ReadonlyMap<string, Route> = new Map(routes.map((r) => [r.path, r]));

/** What a browser may read cross-origin. Never `*` together with credentials. */
export type CorsPolicy =
  /** Public metadata (discovery, JWKS): any origin, no credentials. */
  | { readonly kind: 'public' }
  /** Token-bearing endpoints: only origins the tenant's clients registered, decided per request. */
  | {
      readonly kind: 'allow-listed';
      readonly isAllowed: (origin: string, tenantId: string | undefined) => Promise<boolean>;
    };

/** Authenticates the caller of a management route (core/admin/endpoint.ts supplies the one implementation). */
export type Authenticator = (req: HttpRequest, auth: Exclude<RouteAuth, 'public'>) => Promise<Principal>;

export interface HttpOptions {
  /**
   * Required by every route whose `auth` in the route table is not `public`: the middleware refuses to run such a
   * route without it (fail closed), so forgetting it can never open a route.
   */
  readonly authenticator?: Authenticator;
  /** OAuth protocol endpoint: error bodies also carry `error`/`error_description`, served as application/json. */
  readonly oauth?: boolean;
  readonly cors?: CorsPolicy;
  /**
   * Browser-facing pages (authorize, hosted pages, end-session): a repeated parameter is left to the endpoint,
   * which answers with an HTML page or an error redirect instead of a JSON 400.
   */
  readonly allowRepeated?: boolean;
  /** A page a browser navigates to: an error the middleware answers itself (429) is an HTML page, not JSON. */
  readonly page?: boolean;
  /**
   * Required by every tenant-scoped route (fail closed, like `authenticator`): counts each request against the
   * tenant's plan before anything else runs (core/http/tenant-handler.ts supplies it). A getter, because local mode
   * imports handlers before it configures the process.
   */
  readonly rateLimiter?: () => RateLimiter;
}

export type Endpoint = (req: HttpRequest) => Promise<HttpResponse>;

interface KeywayInternal {
  req?: HttpRequest;
  corsOrigin?: string;
  startedAt: number;
  rateLimit?: LimitOutcome;
}

/** What CORS lets a browser read besides the body. */
const EXPOSED_HEADERS = ['WWW-Authenticate', 'X-Request-Id', ...RATE_LIMIT_HEADER_NAMES].join(', ');

/** For responses that render nothing (JSON, redirects); pages set their own. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** On every response, including errors the local adapter makes itself. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * The middleware every endpoint shares: parses the event (size-limited JSON or form body), resolves CORS,
 * serialises errors into problem details with the traceId, and adds security and cache headers.
 */
export function keywayHttp(options: HttpOptions): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const state = (request: { internal: unknown }) => request.internal as unknown as KeywayInternal;

  const decorate = (result: APIGatewayProxyResult, event: APIGatewayProxyEvent, internal: KeywayInternal) => {
    const traceId = event.requestContext?.requestId ?? 'unknown';
    const headers: Record<string, string | number | boolean> = { ...SECURITY_HEADERS, ...result.headers };
    headers['X-Request-Id'] = traceId;
    // Anything not explicitly cacheable may carry tokens, codes or personal data.
    if (headers['Cache-Control'] === undefined) {
      headers['Cache-Control'] = 'no-store';
      headers.Pragma = 'no-cache';
    }
    if (headers['Content-Security-Policy'] === undefined) headers['Content-Security-Policy'] = DEFAULT_CSP;
    if (internal.rateLimit) Object.assign(headers, rateLimitHeaders(internal.rateLimit.states));
    if (internal.corsOrigin) {
      headers['Access-Control-Allow-Origin'] = internal.corsOrigin;
      if (internal.corsOrigin !== '*') headers.Vary = 'Origin';
      headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
    }
    result.headers = headers;
    logger.info('request', {
      method: event.httpMethod,
      route: event.resource,
      status: result.statusCode,
      ms: Date.now() - internal.startedAt,
    });
    return result;
  };

  return {
    before: async (request) => {
      const internal = state(request);
      internal.startedAt = Date.now();
      logger.appendKeys({ traceId: request.event.requestContext?.requestId });
      // CORS is decided before the body is parsed, so a browser client can read the error of a bad request too.
      const origin = normalizeHeaders(request.event).origin;
      if (options.cors?.kind === 'public') internal.corsOrigin = '*';
      else if (options.cors?.kind === 'allow-listed' && origin) {
        try {
          if (await options.cors.isAllowed(origin, request.event.pathParameters?.tenantId))
            internal.corsOrigin = origin;
        } catch (error) {
          logger.warn('CORS origin check failed', { error: error as Error });
        }
      }
      // Who may call this route comes from the route table, for every route in one place. A resource that is not in
      // the table (API Gateway only sends those it was built with) fails closed.
      const route = ROUTES_BY_PATH.get(request.event.resource);
      if (!route) throw new Error(`no route in lambdas/routes.ts for resource ${request.event.resource}`);
      // Counted before the body is parsed, so a malformed request is counted (and carries the headers) too.
      if (isTenantScoped(route) && request.event.httpMethod !== 'OPTIONS') {
        if (!options.rateLimiter) throw new Error(`tenant-scoped route ${route.id} has no rate limiter`);
        internal.rateLimit = await options.rateLimiter().check({
          tenantId: request.event.pathParameters?.tenantId ?? '',
          plan: authorizerPlan(request.event),
          routeId: route.id,
          sourceIp: request.event.requestContext?.identity?.sourceIp ?? '',
          clientId: () => namedClientId(request.event),
        });
        const exceeded = internal.rateLimit.states.find((s) => s.exceeded);
        if (exceeded) throw new RateLimited(exceeded);
      }
      let req = toHttpRequest(request.event, { ...getConfig(), allowRepeated: options.allowRepeated ?? false });
      const auth = authOf(route, req.method);
      if (auth !== undefined && auth !== 'public') {
        if (!options.authenticator) throw new Error(`route ${route.id} needs ${auth} auth but has no authenticator`);
        req = { ...req, principal: await options.authenticator(req, auth) };
      }
      internal.req = req;
      (request.context as KeywayContext).keywayRequest = req;
      if (req.method === 'OPTIONS' && options.cors) {
        const allowed = internal.corsOrigin !== undefined;
        const headers: Record<string, string> = allowed
          ? {
              'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
              'Access-Control-Allow-Headers': 'Authorization, Content-Type',
              'Access-Control-Max-Age': '600',
            }
          : {};
        return decorate({ statusCode: 204, headers, body: '' }, request.event, internal);
      }
    },
    after: async (request) => {
      if (request.response) request.response = decorate(request.response, request.event, state(request));
    },
    onError: async (request) => {
      const internal = state(request);
      internal.startedAt ??= Date.now();
      const error = asKeywayError(request.error);
      if (error.status >= 500) logger.error('unhandled error', { error: request.error as Error });
      const traceId = request.event.requestContext?.requestId ?? 'unknown';
      const response =
        options.page && error instanceof RateLimited
          ? await pageFor(error, traceId, request.event)
          : problemResponse(error, traceId, options.oauth ?? false);
      request.response = decorate(toProxyResult(response), request.event, internal);
    },
  };
}

/** The tenant's plan as the tenant authorizer (or local mode's stand-in for it) put it on the request context. */
function authorizerPlan(event: APIGatewayProxyEvent): string | undefined {
  const plan: unknown = event.requestContext?.authorizer?.plan;
  return typeof plan === 'string' ? plan : undefined;
}

/**
 * The client_id a request names, read leniently (the endpoint validates it later): Basic credentials, else the form
 * body's or the query's `client_id`. Only for counting per client; it authenticates nothing.
 */
function namedClientId(event: APIGatewayProxyEvent): string | undefined {
  const headers = normalizeHeaders(event);
  const basic = headers.authorization ? parseBasic(headers.authorization) : undefined;
  if (basic) return basic.clientId;
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && event.body) {
    const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const fromBody = new URLSearchParams(raw).get('client_id');
    if (fromBody !== null) return fromBody;
  }
  return event.queryStringParameters?.client_id ?? undefined;
}

/** The 429 page of a hosted page, in the browser's language; the catalogs load only here (a rare path, not every cold start). */
async function pageFor(error: RateLimited, traceId: string, event: APIGatewayProxyEvent): Promise<HttpResponse> {
  const [{ localeOf }, { t }, { errorPage }] = await Promise.all([
    import('../i18n/locales.ts'),
    import('../i18n/messages.ts'),
    import('../oidc/error-page.ts'),
  ]);
  const retry = error.headers['Retry-After'];
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const locale = localeOf({ headers, query: event.queryStringParameters ?? {} });
  const wait = retry ? t(locale, 'rateLimit.seconds', { seconds: retry }) : t(locale, 'rateLimit.moment');
  const page = errorPage(
    429,
    t(locale, 'rateLimit.title'),
    t(locale, 'rateLimit.message', { wait }),
    traceId,
    'Keyway',
    { developerDetail: error.detail, locale },
  );
  return { ...page, headers: { ...page.headers, ...error.headers } };
}

/** The parsed request travels to the handler on the Lambda context. */
type KeywayContext = Context & { keywayRequest?: HttpRequest };

/** Wraps an endpoint core into an API Gateway REST (v1 proxy) Lambda handler. */
export function createHandler(endpoint: Endpoint, options: HttpOptions = {}) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(keywayHttp(options))
    .handler(async (_event, context) => {
      const req = (context as KeywayContext).keywayRequest;
      if (!req) throw new Error('keywayHttp middleware did not run');
      return toProxyResult(await endpoint(req));
    });
}
