import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { authOf, type Route, type RouteAuth, routes } from '../../routes.ts';
import type { Principal } from '../admin/principal.ts';
import { logger } from '../logger.ts';
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
}

export type Endpoint = (req: HttpRequest) => Promise<HttpResponse>;

interface KeywayInternal {
  req?: HttpRequest;
  corsOrigin?: string;
  startedAt: number;
}

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
    if (internal.corsOrigin) {
      headers['Access-Control-Allow-Origin'] = internal.corsOrigin;
      if (internal.corsOrigin !== '*') headers.Vary = 'Origin';
      headers['Access-Control-Expose-Headers'] = 'WWW-Authenticate, X-Request-Id';
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
      let req = toHttpRequest(request.event, { ...getConfig(), allowRepeated: options.allowRepeated ?? false });
      // Who may call this route comes from the route table, for every route in one place. A resource that is not in
      // the table (API Gateway only sends those it was built with) fails closed.
      const route = ROUTES_BY_PATH.get(request.event.resource);
      if (!route) throw new Error(`no route in lambdas/routes.ts for resource ${request.event.resource}`);
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
      request.response = decorate(
        toProxyResult(problemResponse(error, traceId, options.oauth ?? false)),
        request.event,
        internal,
      );
    },
  };
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
