import { SUPPORTED_LOCALES } from '../core/i18n/locales.ts';
import { ACR_VALUES_SUPPORTED } from '../core/oidc/acr.ts';
import { GRANT_TYPES } from '../core/oidc/grant-types.ts';
import { SUPPORTED_SCOPES } from '../core/oidc/scopes.ts';
import type { Tenant } from '../core/store/tenants.ts';
import { endpointUrl, routes } from '../routes.ts';

const CLIENT_AUTH = ['client_secret_basic', 'client_secret_post', 'none'];

/** What each endpoint adds to the metadata when (and only when) its route exists; a function where the tenant decides. */
const CAPABILITIES: Record<string, Record<string, unknown> | ((tenant: Tenant) => Record<string, unknown>)> = {
  authorize: {
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...SUPPORTED_SCOPES],
    // consent: the consent page after the sign-in, whatever the user allowed before (OIDC Core §3.1.2.1).
    prompt_values_supported: ['none', 'login', 'create', 'select_account', 'consent'],
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // OIDC Core §5.5: honoured for `acr` (essential or voluntary); other requested claims are answered by scope.
    claims_parameter_supported: true,
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
  },
  token: {
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: CLIENT_AUTH,
  },
  userinfo: {
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'acr',
      'amr',
      'at_hash',
      'tenant_id',
      'roles',
      'email',
      'email_verified',
      'name',
      'given_name',
      'family_name',
    ],
  },
  revoke: { revocation_endpoint_auth_methods_supported: CLIENT_AUTH },
  // RFC 9126 §5: whether authorize takes only pushed requests is the tenant's choice.
  par: (tenant) => ({ require_pushed_authorization_requests: tenant.settings.requirePushedAuthorizationRequests }),
  introspect: { introspection_endpoint_auth_methods_supported: CLIENT_AUTH.filter((m) => m !== 'none') },
};

/**
 * OpenID Provider Metadata (OIDC Discovery 1.0 §3), which is also the authorization server metadata (RFC 8414 §2):
 * one document at every address a client looks it up. Endpoint URLs come from the route table, so only endpoints
 * that exist are advertised, each with the capabilities it implements; what a tenant turned on is read from `tenant`.
 */
export function providerMetadata(issuer: string, tenant: Tenant): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    issuer,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    // The hosted pages' languages (core/i18n), chosen by ui_locales then Accept-Language.
    ui_locales_supported: [...SUPPORTED_LOCALES],
  };
  for (const route of routes) {
    if (route.discoveryField) metadata[route.discoveryField] = endpointUrl(issuer, route);
    const capabilities = CAPABILITIES[route.id];
    Object.assign(metadata, typeof capabilities === 'function' ? capabilities(tenant) : capabilities);
  }
  // draft-ietf-oauth-client-id-metadata-document §5.3: client_id URLs are resolved (core/oidc/client-metadata-documents.ts).
  if (tenant.settings.clientIdMetadataDocuments) metadata.client_id_metadata_document_supported = true;
  return metadata;
}
