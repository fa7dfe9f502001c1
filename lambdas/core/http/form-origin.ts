import type { HttpRequest } from './types.ts';

/**
 * Whether a hosted page's form POST came from another site. The pages are served with `Referrer-Policy: no-referrer`,
 * so a same-origin form may say `Origin: null` (or nothing): only a foreign origin is refused here, and the form's
 * session- or interaction-bound token is the real protection.
 */
export function sentFromAnotherSite(req: HttpRequest, issuer: string): boolean {
  const origin = req.headers.origin;
  return origin !== undefined && origin !== 'null' && origin !== new URL(issuer).origin;
}
