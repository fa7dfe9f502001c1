/**
 * One error model. Each class is named after its stable code (the OAuth error code on protocol endpoints,
 * RFC 6749 §5.2) and carries the HTTP status and a description that is safe to show a caller.
 * One serializer (core/http/problem.ts) turns them into RFC 7807 problem details; anything that is not a
 * KeywayError becomes a logged `server_error` with no detail leaked.
 */
export class KeywayError extends Error {
  readonly headers: Record<string, string>;
  /** Problem type URI when it says more than the code does; default `urn:keyway:error:{code}`. */
  readonly type?: string;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
    this.headers = headers;
  }
}

/** RFC 8707 §2: the `resource` is malformed, unknown to the tenant, or not one this client may ask for. */
export class InvalidTarget extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_target', 'Invalid target', detail);
  }
}

/** RFC 6749 §5.2 / §4.1.2.1 */
export class InvalidRequest extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_request', 'Invalid request', detail);
  }
}

/**
 * RFC 6749 §5.2: 401 with WWW-Authenticate when the client tried HTTP Basic (or no auth at all);
 * the scheme advertised follows what the client attempted.
 */
export class InvalidClient extends KeywayError {
  constructor(detail = 'Client authentication failed.', scheme: 'Basic' | 'Bearer' = 'Basic') {
    super(401, 'invalid_client', 'Client authentication failed', detail, {
      'WWW-Authenticate': `${scheme} realm="keyway", error="invalid_client"`,
    });
  }
}

export class InvalidGrant extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_grant', 'Invalid grant', detail);
  }
}

/** RFC 7591 §3.2.2: a redirect URI in the registration is not acceptable. */
export class InvalidRedirectUri extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_redirect_uri', 'Invalid redirect URI', detail);
  }
}

/** RFC 7591 §3.2.2: some other client metadata value is invalid. */
export class InvalidClientMetadata extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_client_metadata', 'Invalid client metadata', detail);
  }
}

export class UnauthorizedClient extends KeywayError {
  constructor(detail: string) {
    super(400, 'unauthorized_client', 'Unauthorized client', detail);
  }
}

export class UnsupportedGrantType extends KeywayError {
  constructor(detail: string) {
    super(400, 'unsupported_grant_type', 'Unsupported grant type', detail);
  }
}

export class UnsupportedResponseType extends KeywayError {
  constructor(detail: string) {
    super(400, 'unsupported_response_type', 'Unsupported response type', detail);
  }
}

export class InvalidScope extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_scope', 'Invalid scope', detail);
  }
}

/**
 * RFC 8628 §3.5: the answers to a device that polls the token endpoint before the user is done (400 with the OAuth
 * `error`): `authorization_pending`, `slow_down` (poll less often: 5 s more), `expired_token`, and `access_denied`
 * when the user said no.
 */
export class DevicePollError extends KeywayError {
  constructor(code: 'authorization_pending' | 'slow_down' | 'expired_token' | 'access_denied', detail: string) {
    super(400, code, 'Device authorization', detail);
  }
}

export class AccessDenied extends KeywayError {
  constructor(detail: string) {
    super(403, 'access_denied', 'Access denied', detail);
  }
}

export class LoginRequired extends KeywayError {
  constructor(detail = 'The user is not signed in.') {
    super(400, 'login_required', 'Login required', detail);
  }
}

/** RFC 6750 §3.1: a bad bearer token is answered with 401 and WWW-Authenticate: Bearer error="invalid_token". */
export class InvalidToken extends KeywayError {
  constructor(detail = 'The access token is missing, expired, revoked or not valid for this issuer.') {
    const quoted = detail.replaceAll('"', "'");
    super(401, 'invalid_token', 'Invalid token', detail, {
      'WWW-Authenticate': `Bearer realm="keyway", error="invalid_token", error_description="${quoted}"`,
    });
  }
}

/** RFC 6750 §3.1: the token lacks the scope the resource needs. */
export class InsufficientScope extends KeywayError {
  constructor(scope: string) {
    super(403, 'insufficient_scope', 'Insufficient scope', `The access token lacks the "${scope}" scope.`, {
      'WWW-Authenticate': `Bearer realm="keyway", error="insufficient_scope", scope="${scope}"`,
    });
  }
}

/** Platform (non-OAuth) errors. */
export class Unauthorized extends KeywayError {
  constructor(detail = 'A valid API key is required.') {
    super(401, 'unauthorized', 'Unauthorized', detail, { 'WWW-Authenticate': 'Bearer realm="keyway"' });
  }
}

/** Authenticated, but this credential may not do this (a read-only key writing, a tenant key on an operator route). */
export class Forbidden extends KeywayError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFound extends KeywayError {
  constructor(detail = 'The requested resource does not exist.') {
    super(404, 'not_found', 'Not found', detail);
  }
}

export class MethodNotAllowed extends KeywayError {
  constructor(allowed: readonly string[]) {
    super(405, 'method_not_allowed', 'Method not allowed', `Allowed methods: ${allowed.join(', ')}.`, {
      Allow: allowed.join(', '),
    });
  }
}

export class Conflict extends KeywayError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

/**
 * Contention that outlasted its retries (another request held the same items): nothing was changed and the same
 * request may simply be sent again. RFC 6749 §4.1.2.1's `temporarily_unavailable`, with Retry-After.
 */
export class TemporarilyUnavailable extends KeywayError {
  constructor(detail: string) {
    super(503, 'temporarily_unavailable', 'Temporarily unavailable', detail, { 'Retry-After': '1' });
  }
}

export class PayloadTooLarge extends KeywayError {
  constructor(limit: number) {
    super(413, 'payload_too_large', 'Payload too large', `The request body exceeds ${limit} bytes.`);
  }
}

export class UnsupportedMediaType extends KeywayError {
  constructor(detail: string) {
    super(415, 'unsupported_media_type', 'Unsupported media type', detail);
  }
}

export class ServerError extends KeywayError {
  constructor() {
    super(
      500,
      'server_error',
      'Internal server error',
      'An unexpected error occurred. Quote the traceId if you report it.',
    );
  }
}

/** A one-time code typed on a hosted page is wrong, expired, used up or spent (the page shows `detail`). */
export class InvalidCode extends KeywayError {
  constructor(detail: string) {
    super(400, 'invalid_code', 'Invalid code', detail);
  }
}

/** A person asked for something too often (emailed codes to one address): 429 with Retry-After. */
export class TooManyRequests extends KeywayError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'too_many_requests', 'Too many requests', detail, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/**
 * A sign-in presented a passkey this tenant no longer holds for one of its accounts (the account exists, the passkey
 * was removed): the page may tell the browser (WebAuthn Signal API) to forget it.
 */
export class UnknownCredential extends KeywayError {
  constructor(detail: string) {
    super(403, 'unknown_credential', 'Unknown credential', detail);
  }
}

/**
 * A sign-in presented a passkey of another account: of another account of this tenant than the one the sign-in is
 * for, or of no account of this tenant (another tenant's, on the same RP ID). Never a reason to forget the passkey.
 */
export class WrongAccount extends KeywayError {
  constructor(detail: string) {
    super(403, 'wrong_account', 'Wrong account', detail);
  }
}
