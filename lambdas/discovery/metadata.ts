import { endpointUrl, routes } from '../routes.ts';

/**
 * OpenID Provider Metadata (OIDC Discovery 1.0 §3, RFC 8414 §2). Endpoint URLs come from the route table,
 * so only endpoints that exist are advertised; capabilities are listed next to the endpoint that implements them.
 */
export function providerMetadata(issuer: string): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    issuer,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
  for (const route of routes) {
    if (route.discoveryField) metadata[route.discoveryField] = endpointUrl(issuer, route);
  }
  return metadata;
}
