import { InvalidRequest, KeywayError, UnauthorizedClient, UnsupportedResponseType } from '../errors.ts';
import type { Client } from '../store/clients.ts';
import type { Resource } from '../store/resources.ts';
import { type AcrRequest, acrRequestOf } from './acr.ts';
import { S256_CHALLENGE } from './pkce.ts';
import { checkResourceScope } from './resources.ts';
import { checkScope } from './scopes.ts';

/** OIDC Core §3.1.2.6 errors that have no class of their own elsewhere. */
class RequestNotSupported extends KeywayError {
  constructor(code: 'request_not_supported' | 'request_uri_not_supported') {
    super(400, code, 'Not supported', `The ${code.replace('_not_supported', '')} parameter is not supported.`);
  }
}

export interface ValidRequest {
  readonly scope: string;
  readonly codeChallenge: string;
  /** The one prompt value that decides what happens (see checkPrompt). */
  readonly prompt?: 'none' | 'login' | 'create' | 'select_account';
  /** `prompt` contains `consent` (beside any other value): the consent page is shown whatever was allowed before. */
  readonly consent?: boolean;
  readonly maxAge?: number;
  /** The class of sign-in asked for (OIDC Core §3.1.2.1 `acr_values`, §5.5.1.1 an `acr` claim request). */
  readonly acr?: AcrRequest;
}

type Params = Readonly<Record<string, string>>;
type Check = (
  params: Params,
  client: Client,
  out: Partial<Mutable<ValidRequest>>,
  resource: Resource | undefined,
) => void;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** RFC 6749 §4.1.1 / OAuth 2.1 §4.1.1: `code` is the only response type. */
const checkResponseType: Check = (params) => {
  if (!params.response_type) throw new InvalidRequest('response_type is required.');
  if (params.response_type !== 'code') throw new UnsupportedResponseType('Only response_type=code is supported.');
};

const checkClientGrant: Check = (_params, client) => {
  if (!client.grantTypes.includes('authorization_code'))
    throw new UnauthorizedClient('The client is not registered for the authorization code grant.');
};

/** RFC 7636 §4.3 + OAuth 2.1: PKCE is mandatory and only S256 is accepted (plain or missing is refused). */
const checkPkce: Check = (params, _client, out) => {
  if (!params.code_challenge) throw new InvalidRequest('code_challenge is required (PKCE with S256).');
  if (params.code_challenge_method !== 'S256')
    throw new InvalidRequest('code_challenge_method must be S256; plain or missing is not accepted.');
  if (!S256_CHALLENGE.test(params.code_challenge)) throw new InvalidRequest('code_challenge is malformed.');
  out.codeChallenge = params.code_challenge;
};

const checkRequestObjects: Check = (params) => {
  if (params.request !== undefined) throw new RequestNotSupported('request_not_supported');
  if (params.request_uri !== undefined) throw new RequestNotSupported('request_uri_not_supported');
};

/** RFC 6749 §3.3; with a resource (RFC 8707), its API scopes too. */
const checkScopes: Check = (params, client, out, resource) => {
  out.scope = resource ? checkResourceScope(params.scope, client, resource) : checkScope(params.scope, client.scope);
};

/**
 * OIDC Core §3.1.2.1 + Initiating User Registration 1.0: none, login, create, select_account, consent; `none` stands
 * alone. Of several values, a new ceremony (login or create, the first one given) decides: it makes choosing the
 * session's account moot. `consent` combines with any of them: after the sign-in (or the choice), the consent page.
 */
const checkPrompt: Check = (params, _client, out) => {
  if (params.prompt === undefined) return;
  const values = params.prompt.split(' ').filter(Boolean);
  for (const v of values)
    if (!['none', 'login', 'create', 'consent', 'select_account'].includes(v))
      throw new InvalidRequest(`Unsupported prompt value "${v}".`);
  if (values.includes('none') && values.length > 1) throw new InvalidRequest('prompt=none cannot be combined.');
  const ceremony = values.find((v) => v === 'none' || v === 'login' || v === 'create') as ValidRequest['prompt'];
  const effective = ceremony ?? (values.includes('select_account') ? 'select_account' : undefined);
  if (effective) out.prompt = effective;
  if (values.includes('consent')) out.consent = true;
};

const checkMaxAge: Check = (params, _client, out) => {
  if (params.max_age === undefined) return;
  if (!/^\d{1,9}$/.test(params.max_age)) throw new InvalidRequest('max_age must be a non-negative integer.');
  out.maxAge = Number(params.max_age);
};

const checkAcr: Check = (params, _client, out) => {
  const acr = acrRequestOf(params);
  if (acr) out.acr = acr;
};

/** Everything authorize checks once client and redirect URI are trusted, in order; errors go to the client. */
export const AUTHORIZE_CHECKS: readonly Check[] = [
  checkRequestObjects,
  checkResponseType,
  checkClientGrant,
  checkPkce,
  checkScopes,
  checkPrompt,
  checkMaxAge,
  checkAcr,
];

/** `resource`: the registered resource the request names (RFC 8707), already resolved for this client. */
export function validateAuthorizationRequest(params: Params, client: Client, resource?: Resource): ValidRequest {
  const out: Partial<Mutable<ValidRequest>> = {};
  for (const check of AUTHORIZE_CHECKS) check(params, client, out, resource);
  return out as ValidRequest;
}
