import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';

export interface ProblemResponsesProps {
  readonly api: apigw.RestApi;
}

/**
 * The registered RFC 6749 `error` values a gateway response can carry, chosen as the handlers' `oauthErrorCode`
 * (lambdas/core/http/problem.ts) does: 429/503 → temporarily_unavailable, other 4xx → invalid_request,
 * other 5xx → server_error; a Keyway code that is itself registered is kept.
 */
type OAuthError = 'invalid_request' | 'access_denied' | 'server_error' | 'temporarily_unavailable';

interface Problem {
  readonly type: apigw.ResponseType;
  /** Overrides API Gateway's status; unset keeps it (DEFAULT_4XX/5XX cover many statuses). */
  readonly status?: string;
  /** Keyway's own error code: `code` and the `type` URN. */
  readonly code: string;
  /** RFC 6749 `error`: only registered values, so OAuth client libraries understand it. */
  readonly error: OAuthError;
  readonly title: string;
  /** Literal detail; unset uses API Gateway's own message. */
  readonly detail?: string;
  readonly headers?: Record<string, string>;
}

/**
 * Every response API Gateway produces itself (throttling, quota, unknown route, authorizer outcome, timeouts)
 * is RFC 7807 problem details with the request id as traceId, like the handlers' errors, and also carries
 * RFC 6749 `error` / `error_description` so OAuth client libraries can read a 429 from the token endpoint. As in
 * the handlers' errors, `error` is always a registered OAuth value and the Keyway-specific code is in `code`.
 * Gateway responses cannot vary by route, so the media type is always application/problem+json.
 */
const PROBLEMS: readonly Problem[] = [
  {
    type: apigw.ResponseType.DEFAULT_4XX,
    code: 'invalid_request',
    error: 'invalid_request',
    title: 'Request rejected',
  },
  { type: apigw.ResponseType.DEFAULT_5XX, code: 'server_error', error: 'server_error', title: 'Internal server error' },
  {
    type: apigw.ResponseType.THROTTLED,
    status: '429',
    code: 'rate_limited',
    error: 'temporarily_unavailable',
    title: 'Too many requests',
    detail: "The tenant's request rate limit was exceeded. Retry after a short delay.",
    headers: { 'Retry-After': '1' },
  },
  {
    type: apigw.ResponseType.QUOTA_EXCEEDED,
    status: '429',
    code: 'quota_exceeded',
    error: 'temporarily_unavailable',
    title: 'Quota exceeded',
    detail: "The tenant's request quota for this period is used up.",
  },
  // The tenant authorizer denies unknown tenants; the same id served locally answers 404 from the handler.
  {
    type: apigw.ResponseType.ACCESS_DENIED,
    status: '404',
    code: 'not_found',
    error: 'invalid_request',
    title: 'Not found',
    detail: 'No such tenant.',
  },
  // With no matching resource API Gateway says 403 "Missing Authentication Token"; to a caller it is a 404.
  {
    type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: '404',
    code: 'not_found',
    error: 'invalid_request',
    title: 'Not found',
    detail: 'The requested resource does not exist.',
  },
  {
    type: apigw.ResponseType.RESOURCE_NOT_FOUND,
    status: '404',
    code: 'not_found',
    error: 'invalid_request',
    title: 'Not found',
  },
  // The authorizer throws while a new tenant's API key is being provisioned (seconds); such answers are not cached.
  // A Lambda authorizer that throws (any message but "Unauthorized") is reported by API Gateway as
  // AUTHORIZER_CONFIGURATION_ERROR (500, AuthorizerConfigurationException), not AUTHORIZER_FAILURE, so both get
  // the 503 + Retry-After meant for a tenant whose key is not provisioned yet (TenantKeyNotProvisioned in
  // lambdas/authorizer/authorize.ts). A broken authorizer then also answers 503: the 5xx-rate alarm counts those,
  // and the authorizer logs why.
  ...[apigw.ResponseType.AUTHORIZER_FAILURE, apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR].map(
    (type): Problem => ({
      type,
      status: '503',
      code: 'temporarily_unavailable',
      error: 'temporarily_unavailable',
      title: 'Temporarily unavailable',
      detail: 'The tenant is being set up or the service is briefly unavailable. Retry shortly.',
      headers: { 'Retry-After': '2' },
    }),
  ),
  // With apiKeySource AUTHORIZER this means the tenant's key is between usage plans (a plan change in progress).
  {
    type: apigw.ResponseType.INVALID_API_KEY,
    status: '503',
    code: 'temporarily_unavailable',
    error: 'temporarily_unavailable',
    title: 'Temporarily unavailable',
    detail: "The tenant's plan is being changed. Retry shortly.",
    headers: { 'Retry-After': '2' },
  },
  {
    type: apigw.ResponseType.REQUEST_TOO_LARGE,
    status: '413',
    code: 'payload_too_large',
    error: 'invalid_request',
    title: 'Payload too large',
  },
  {
    type: apigw.ResponseType.INTEGRATION_TIMEOUT,
    status: '504',
    code: 'temporarily_unavailable',
    error: 'temporarily_unavailable',
    title: 'Gateway timeout',
    detail: 'The request took too long. Retry shortly.',
  },
  {
    type: apigw.ResponseType.WAF_FILTERED,
    status: '403',
    code: 'access_denied',
    error: 'access_denied',
    title: 'Request blocked',
  },
];

/** JSON string literal for a mapping template: VTL `$` references stay live, quotes are escaped. */
const jsonString = (text: string) => JSON.stringify(text);

export function problemTemplate(p: Problem): string {
  const detail = p.detail ? jsonString(p.detail) : '$context.error.messageString';
  const status = p.status ? `"status":${p.status},` : '';
  return (
    `{"type":${jsonString(`urn:keyway:error:${p.code}`)},"title":${jsonString(p.title)},${status}` +
    `"detail":${detail},"traceId":"$context.requestId","code":${jsonString(p.code)},` +
    `"error":${jsonString(p.error)},"error_description":${detail}}`
  );
}

/** API Gateway's own error responses as problem details (see PROBLEMS). */
export class ProblemResponses extends Construct {
  constructor(scope: Construct, id: string, props: ProblemResponsesProps) {
    super(scope, id);
    for (const p of PROBLEMS) {
      const headers: Record<string, string> = {
        'Content-Type': "'application/problem+json'",
        'Cache-Control': "'no-store'",
        'X-Content-Type-Options': "'nosniff'",
        // No credentials are ever allowed with '*': this only lets a browser app read why it was refused (a 429).
        'Access-Control-Allow-Origin': "'*'",
      };
      for (const [name, value] of Object.entries(p.headers ?? {})) headers[name] = `'${value}'`;
      props.api.addGatewayResponse(p.type.responseType, {
        type: p.type,
        ...(p.status ? { statusCode: p.status } : {}),
        responseHeaders: headers,
        templates: { 'application/json': problemTemplate(p) },
      });
    }
  }
}
