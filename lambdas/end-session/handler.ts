import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import type { HttpRequest, HttpResponse } from '../core/http/types.ts';
import { localeOf } from '../core/i18n/locales.ts';
import { t } from '../core/i18n/messages.ts';
import { findTenantOf } from '../core/issuer.ts';
import { endSession } from '../core/oidc/end-session.ts';
import { errorPage } from '../core/oidc/error-page.ts';
import { getSigner } from '../core/signing.ts';

/** GET|POST {issuer}/end-session — OpenID RP-Initiated Logout 1.0 (lambdas/core/oidc/end-session.ts). */
export async function endSessionEndpoint(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await findTenantOf(req, store);
  if (!tenant) {
    const locale = localeOf(req);
    return errorPage(
      404,
      t(locale, 'endSession.noTenant'),
      t(locale, 'endSession.noTenantMessage'),
      req.traceId,
      undefined,
      { locale },
    );
  }
  return endSession(req, tenant, { store, publicJwks: async () => (await getSigner()).publicJwks() });
}

export const handler = createTenantHandler(endSessionEndpoint, { allowRepeated: true, page: true });
