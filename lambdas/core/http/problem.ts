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

export function toProblem(error: KeywayError, traceId: string, oauth: boolean): ProblemDetails {
  const body: ProblemDetails = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail,
    traceId,
    code: error.code,
  };
  if (oauth) {
    body.error = error.code;
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
