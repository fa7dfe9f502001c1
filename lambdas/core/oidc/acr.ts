import { InvalidRequest, KeywayError } from '../errors.ts';

/**
 * Authentication context classes (OIDC Core §2 `acr`), derived from how the session was proved (its RFC 8176 `amr`),
 * strongest first:
 * - `phr` (OpenID EAP ACR Values 1.0, "phishing-resistant"): a user-verified passkey ceremony, and the first passkey
 *   of a new account (sign-up, an invitation to an account without one), which is that account's only credential;
 * - `urn:keyway:acr:email-otp`: an emailed one-time code proved the user, who then made a new passkey (recovery). The
 *   passkey is new, so what was proved is control of the mailbox.
 * A class is satisfied by itself and by any stronger one.
 */
export const ACR_PASSKEY = 'phr';
export const ACR_EMAIL_OTP = 'urn:keyway:acr:email-otp';
export const ACR_VALUES_SUPPORTED = [ACR_PASSKEY, ACR_EMAIL_OTP] as const;

const RANK: Readonly<Record<string, number>> = { [ACR_PASSKEY]: 2, [ACR_EMAIL_OTP]: 1 };

/** The class of a sign-in proved by `amr`; undefined when nothing known proved it (a device grant stored before amr). */
export function acrOf(amr: readonly string[]): string | undefined {
  if (amr.includes('otp')) return ACR_EMAIL_OTP;
  if (amr.includes('hwk') && amr.includes('user')) return ACR_PASSKEY;
  return undefined;
}

/** The `acr` of a token family: as issued with its code, else (families stored before) from its `amr`. */
export function acrOfGrant(grant: { readonly acr?: string | undefined; readonly amr: readonly string[] }) {
  return grant.acr ?? acrOf(grant.amr);
}

/** What a request asks of the sign-in's class: one of `values` (OIDC Core §3.1.2.1 `acr_values`, §5.5.1.1 `claims`). */
export interface AcrRequest {
  readonly values: readonly string[];
  /** From an essential `acr` claim request: unmet means an error, not just a new ceremony (OIDC Core §5.5.1.1). */
  readonly essential: boolean;
}

/** Does a sign-in proved by `amr` satisfy `request`: its class is one of the values, or stronger than one of them? */
export function acrSatisfies(amr: readonly string[], request: AcrRequest | undefined): boolean {
  if (!request) return true;
  const rank = RANK[acrOf(amr) ?? ''] ?? 0;
  return request.values.some((value) => (RANK[value] ?? Number.POSITIVE_INFINITY) <= rank);
}

/**
 * The `acr` to issue for a sign-in proved by `amr`: its own class, except that an essential request gets one of the
 * values it named (OIDC Core §5.5.1.1), the first one this sign-in satisfies (a passkey answers `email-otp` as such).
 */
export function issuedAcr(amr: readonly string[], request: AcrRequest | undefined): string | undefined {
  if (request?.essential)
    for (const value of request.values) if (acrSatisfies(amr, { values: [value], essential: true })) return value;
  return acrOf(amr);
}

/**
 * OpenID Connect Core Unmet Authentication Requirements 1.0 §3: the sign-in cannot meet an essential `acr` request.
 * Reported to the client's redirect URI.
 */
export class UnmetAuthenticationRequirements extends KeywayError {
  constructor(detail: string) {
    super(400, 'unmet_authentication_requirements', 'Unmet authentication requirements', detail);
  }
}

const MAX_VALUES = 10;

/**
 * The acr request of an authorization request: the `claims` parameter's `acr` (id_token or userinfo member, OIDC Core
 * §5.5), which wins when given, else `acr_values` (voluntary, in order of preference). Other requested claims are
 * voluntary and answered by scope as before (§5.5: the OP may ignore what it does not provide). Malformed `claims` is
 * invalid_request; an essential request naming no class Keyway knows cannot be met at all.
 */
export function acrRequestOf(params: Readonly<Record<string, string>>): AcrRequest | undefined {
  const claimed = params.claims === undefined ? undefined : acrOfClaimsParameter(params.claims);
  const request =
    claimed ??
    (params.acr_values === undefined
      ? undefined
      : { values: params.acr_values.split(' ').filter(Boolean).slice(0, MAX_VALUES), essential: false });
  if (!request || request.values.length === 0) return undefined;
  if (request.essential && !request.values.some((v) => v in RANK))
    throw new UnmetAuthenticationRequirements(
      `None of the requested acr values can be met; supported: ${ACR_VALUES_SUPPORTED.join(', ')}.`,
    );
  // A voluntary request for only unknown classes asks nothing Keyway can act on: the usual sign-in answers it.
  if (!request.essential && !request.values.some((v) => v in RANK)) return undefined;
  return request;
}

function acrOfClaimsParameter(raw: string): AcrRequest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidRequest('The claims parameter is not JSON (OIDC Core §5.5).');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidRequest('The claims parameter must be a JSON object (OIDC Core §5.5).');
  const members = parsed as Record<string, unknown>;
  // Both members may ask (§5.5): their values together, essential if either request is.
  let merged: { values: string[]; essential: boolean } | undefined;
  for (const member of ['id_token', 'userinfo']) {
    const claims = members[member];
    if (claims === undefined || claims === null) continue;
    if (typeof claims !== 'object' || Array.isArray(claims))
      throw new InvalidRequest(`claims.${member} must be a JSON object (OIDC Core §5.5).`);
    const acr = (claims as Record<string, unknown>).acr;
    if (acr === undefined || acr === null) continue;
    if (typeof acr !== 'object' || Array.isArray(acr))
      throw new InvalidRequest(`claims.${member}.acr must be null or a JSON object (OIDC Core §5.5.1).`);
    const { essential, value, values } = acr as Record<string, unknown>;
    const listed =
      typeof value === 'string'
        ? [value]
        : Array.isArray(values) && values.every((v) => typeof v === 'string')
          ? (values as string[])
          : undefined;
    if (value !== undefined && typeof value !== 'string')
      throw new InvalidRequest(`claims.${member}.acr.value must be a string.`);
    if (values !== undefined && listed === undefined)
      throw new InvalidRequest(`claims.${member}.acr.values must be an array of strings.`);
    // An acr request without values asks only that the claim be returned; it always is.
    if (!listed) continue;
    merged = {
      values: [...new Set([...(merged?.values ?? []), ...listed])].slice(0, MAX_VALUES),
      essential: (merged?.essential ?? false) || essential === true,
    };
  }
  return merged;
}
