import {
  ClientMetadataPatch,
  clientJson,
  LIFETIME_FIELDS,
  metadataError,
  requireClient,
  tokenExchangePolicy,
} from '../core/admin/clients.ts';
import { type AdminContext, change, createAdminHandler, jsonBody } from '../core/admin/endpoint.ts';
import { InvalidClientMetadata } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { grantTypesProblem } from '../core/oidc/grant-types.ts';
import { webOrigins } from '../core/oidc/redirect-uris.ts';
import type { Client, ClientLifetimes } from '../core/store/clients.ts';
import { parseInput } from '../core/validation.ts';

/** GET /admin/tenants/{tenantId}/clients/{clientId} — RFC 7592 §2.1-style read (no secret). */
async function getClient(ctx: AdminContext) {
  return json(200, clientJson(await requireClient(ctx.req, ctx.store)));
}

/**
 * PATCH /admin/tenants/{tenantId}/clients/{clientId} — changes metadata, validated as at registration (redirect
 * URIs: https, loopback http, private-use schemes; no fragment, wildcard or userinfo). Switching between a public
 * and a confidential client is refused (register a new client): it would create or drop a secret silently.
 */
async function patchClient(ctx: AdminContext) {
  const client = await requireClient(ctx.req, ctx.store);
  // RFC 7591 §2: unknown metadata is ignored; the schema strips it.
  const input = parseInput(ClientMetadataPatch, jsonBody(ctx.req, 'the metadata to change'), metadataError);
  const method = input.token_endpoint_auth_method ?? client.tokenEndpointAuthMethod;
  if ((method === 'none') !== (client.tokenEndpointAuthMethod === 'none'))
    throw new InvalidClientMetadata(
      'token_endpoint_auth_method: a client cannot switch between public (none) and confidential; register a new client.',
    );
  const grantTypes = input.grant_types ?? client.grantTypes;
  const grantsProblem = grantTypesProblem(grantTypes, {
    tokenEndpointAuthMethod: method,
    redirectUris: input.redirect_uris ?? client.redirectUris,
  });
  if (grantsProblem) throw new InvalidClientMetadata(grantsProblem);

  const lifetimes: Record<string, number> = { ...client.lifetimes };
  for (const [name, field] of LIFETIME_FIELDS) {
    const value = input[name];
    if (value === null) delete lifetimes[field];
    else if (value !== undefined) lifetimes[field] = value;
  }
  const redirectUris = input.redirect_uris ?? client.redirectUris;
  const audience = input.audience === null ? undefined : (input.audience ?? client.audience);
  // null: back to any resource the tenant registered.
  const resources = input.resources === null ? undefined : (input.resources ?? client.resources);
  // null: the client no longer acts for users.
  const tokenExchange =
    input.token_exchange === null
      ? undefined
      : input.token_exchange
        ? tokenExchangePolicy(input.token_exchange)
        : client.tokenExchange;
  const { audience: _a, resources: _r, lifetimes: _l, tokenExchange: _t, ...rest } = client;
  const next: Client = {
    ...rest,
    clientName: input.client_name ?? client.clientName,
    redirectUris,
    postLogoutRedirectUris: input.post_logout_redirect_uris ?? client.postLogoutRedirectUris,
    grantTypes,
    tokenEndpointAuthMethod: method,
    scope: input.scope ?? client.scope,
    ...(audience !== undefined ? { audience } : {}),
    ...(input.client_type ? { clientType: input.client_type } : {}),
    ...(input.first_party !== undefined ? { firstParty: input.first_party } : {}),
    ...(input.require_pushed_authorization_requests !== undefined
      ? { requirePushedAuthorizationRequests: input.require_pushed_authorization_requests }
      : {}),
    ...(resources !== undefined ? { resources } : {}),
    ...(tokenExchange !== undefined ? { tokenExchange } : {}),
    ...(Object.keys(lifetimes).length > 0 ? { lifetimes: lifetimes as ClientLifetimes } : {}),
    allowedOrigins: webOrigins(redirectUris),
    updatedAt: ctx.nowMs,
  };
  const changed = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return change({
    parts: ctx.store.clients.updateClientParts(client, next),
    auditTenantId: client.tenantId,
    audit: { action: 'client.updated', target: { type: 'client', id: client.clientId }, changes: changed },
    events: [{ type: 'client.updated', data: clientJson(next) }],
    response: json(200, clientJson(next)),
  });
}

/**
 * DELETE /admin/tenants/{tenantId}/clients/{clientId} — the client's grants die with it: the token endpoint
 * refuses its credentials (invalid_client), and introspection, userinfo and revocation treat its tokens as
 * inactive (they check the client with the token's family in one read).
 */
async function deleteClient(ctx: AdminContext) {
  const client = await requireClient(ctx.req, ctx.store);
  return change({
    parts: ctx.store.clients.deleteClientParts(client),
    auditTenantId: client.tenantId,
    audit: {
      action: 'client.deleted',
      target: { type: 'client', id: client.clientId },
      changes: { client_name: client.clientName },
    },
    // Its tokens end with it (checked with each token's family), so no token.revoked per family follows.
    events: [{ type: 'client.deleted', data: { client_id: client.clientId, client_name: client.clientName } }],
    response: json(200, { client_id: client.clientId, deleted: true }),
  });
}

export const handler = createAdminHandler(
  { GET: getClient, PATCH: patchClient, DELETE: deleteClient },
  {
    oauth: true,
  },
);
