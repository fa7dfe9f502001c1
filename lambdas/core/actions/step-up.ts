import { jwtVerify } from 'jose';
import { InvalidRequest } from '../errors.ts';
import { localKeySet } from '../oidc/access-token.ts';
import type { Signer } from '../signer/signer.ts';
import type { StepUp } from '../store/step-ups.ts';

/** The JOSE `typ` of an init token: no other token of ours (access, ID) can be presented as one. */
export const INIT_TOKEN_TYPE = 'kw-init+jwt';

/** An init token is only for authorize: its own audience, so no verifier of access tokens can take it for one. */
function initTokenAudience(issuer: string): string {
  return `${issuer}/authorize`;
}

/** The step-up action an interaction signs in for (set by authorize from a claimed init token). */
export interface PendingAction {
  readonly id: string;
  readonly name: string;
  readonly redirectToSettings: boolean;
}

/**
 * The init token: signed by the tenant's key like its access tokens (RS256), naming only the step-up record (`jti`),
 * its user and action, issued by this tenant (`iss`) for its authorize endpoint (`aud`), for at most 10 minutes. What the backend sent
 * (`custom`, scope, client) stays in the record: the token travels through the browser.
 */
export function signInitToken(signer: Signer, issuer: string, stepUp: StepUp): Promise<string> {
  return signer.sign(
    { typ: INIT_TOKEN_TYPE },
    {
      iss: issuer,
      aud: initTokenAudience(issuer),
      sub: stepUp.userId,
      jti: stepUp.id,
      action: stepUp.action,
      tenant_id: stepUp.tenantId,
      iat: stepUp.createdAt,
      exp: stepUp.expiresAt,
    },
  );
}

/** The record id an init token names, or an error for the client: forged, expired, another tenant's or not one. */
export async function verifyInitToken(
  signer: Signer,
  issuer: string,
  tenantId: string,
  token: string,
  now: number,
): Promise<{ id: string; userId: string }> {
  try {
    const { payload } = await jwtVerify(token, await localKeySet(signer), {
      issuer,
      audience: initTokenAudience(issuer),
      typ: INIT_TOKEN_TYPE,
      algorithms: ['RS256'],
      currentDate: new Date(now * 1000),
      requiredClaims: ['jti', 'sub', 'exp'],
    });
    if (payload.tenant_id !== tenantId) throw new Error('tenant');
    return { id: payload.jti!, userId: payload.sub! };
  } catch {
    throw new InvalidRequest('The token is not a valid init token of this tenant, or it has expired.');
  }
}
