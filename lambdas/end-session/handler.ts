import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { findTenantOf } from '../core/issuer.ts';
import { endSession } from '../core/oidc/end-session.ts';
import { errorPage } from '../core/oidc/error-page.ts';
import { getSigner } from '../core/signing.ts';

/** GET|POST {issuer}/end-session — OpenID RP-Initiated Logout 1.0 (lambdas/core/oidc/end-session.ts). */
export async function endSessionEndpoint(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await findTenantOf(req, store);
  if (!tenant)
    return errorPage(
      404,
      'This sign-out page does not exist',
      'Check the address, or go back to the application and sign out from there.',
      req.traceId,
    );
  return endSession(req, tenant, { store, publicJwks: async () => (await getSigner()).publicJwks() });
}

export const handler = createTenantHandler(endSessionEndpoint, { allowRepeated: true, page: true });
