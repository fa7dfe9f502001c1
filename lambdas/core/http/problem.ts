import { KeywayError, ServerError } from '../errors.ts';
import type { HttpResponse } from './types.ts';

/**
 * The one serializer for errors. Every 4xx/5xx body is RFC 7807 problem details with a traceId; on OAuth
 * protocol endpoints the same body also carries RFC 6749 §5.2 `error`/`error_description` and is served as
 * application/json so standard OAuth client libraries parse it.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  traceId: string;
  code: string;
  error?: string;
  error_description?: string;
}

export function problemType(code: string): string {
  return `urn:keyway:error:${code}`;
}

/** Error codes registered for OAuth responses (RFC 6749, 6750, 7009, 7591, OIDC Core); anything else is mapped. */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'insufficient_scope',
  'unsupported_token_type',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  'invalid_redirect_uri',
  'invalid_client_metadata',
  'invalid_target',
  'authorization_pending',
  'slow_down',
  // OpenID Connect Core Unmet Authentication Requirements 1.0 §3; RFC 9126 §2.3 / RFC 9101 §7 (PAR's request_uri).
  'unmet_authentication_requirements',
  'invalid_request_uri',
  'expired_token',
]);

/** The RFC 6749 `error` for a Keyway error code: OAuth clients only understand the registered values. */
export function oauthErrorCode(error: KeywayError): string {
  if (OAUTH_ERRORS.has(error.code)) return error.code;
  if (error.status === 429 || error.status === 503) return 'temporarily_unavailable';
  if (error.status === 401) return 'invalid_token'; // RFC 6750 §3.1: the credential presented was not accepted
  return error.status >= 500 ? 'server_error' : 'invalid_request';
}

export function toProblem(error: KeywayError, traceId: string, oauth: boolean): ProblemDetails {
  const body: ProblemDetails = {
    type: error.type ?? problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail,
    traceId,
    code: error.code,
  };
  if (oauth) {
    body.error = oauthErrorCode(error);
    body.error_description = error.detail;
  }
  return body;
}

/** Unknown errors become a generic server_error; the caller logs the cause. */
export function asKeywayError(error: unknown): KeywayError {
  return error instanceof KeywayError ? error : new ServerError();
}

export function problemResponse(error: KeywayError, traceId: string, oauth: boolean): HttpResponse {
  return {
    status: error.status,
    headers: {
      ...error.headers,
      'Content-Type': oauth ? 'application/json; charset=utf-8' : 'application/problem+json; charset=utf-8',
    },
    body: JSON.stringify(toProblem(error, traceId, oauth)),
  };
}
