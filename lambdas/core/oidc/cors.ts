import { getStore } from '../deps.ts';
import type { CorsPolicy } from '../http/handler.ts';

/** Token-bearing endpoints: only origins that some client of this tenant registered (never `*`). */
export const tenantOriginsCors: CorsPolicy = {
  kind: 'allow-listed',
  isAllowed: async (origin, tenantId) => (tenantId ? getStore().clients.isOriginAllowed(tenantId, origin) : false),
};
