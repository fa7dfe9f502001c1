import { clientJson, metadataError, standardFields } from '../core/admin/clients.ts';
import { safeEqual, sha256 } from '../core/crypto.ts';
import { getStore } from '../core/deps.ts';
import { InvalidClientMetadata, MethodNotAllowed } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { grantTypesProblem } from '../core/oidc/grant-types.ts';
import {
  auditedChange,
  clientInformation,
  constraintsProblem,
  RegistrationUpdate,
  registrationBody,
  requireRegisteredClient,
} from '../core/oidc/registration.ts';
import type { Client } from '../core/store/clients.ts';
import type { Store } from '../core/store/store.ts';
import { commit } from '../core/store/transaction.ts';
import { parseInput } from '../core/validation.ts';

interface Context {
  readonly req: HttpRequest;
  readonly store: Store;
  readonly client: Client;
  readonly accessToken: string;
  readonly nowMs: number;
}

/** RFC 7592 §2.1: the client's current registration (without its secret, which is stored only as a hash). */
function read({ req, client, accessToken }: Context): HttpResponse {
  return json(200, clientInformation(req, client, { accessToken }));
}

/** Does `presented` match the client's current secret (or the previous one, during a rotation's overlap)? */
function isCurrentSecret(client: Client, presented: string, now: number): boolean {
  const hash = sha256(presented);
  if (client.secretHash && safeEqual(hash, client.secretHash)) return true;
  return (
    client.previousSecretHash !== undefined &&
    (client.previousSecretExpiresAt ?? 0) > now &&
    safeEqual(hash, client.previousSecretHash)
  );
}

/**
 * RFC 7592 §2.2: replaces the metadata, validated as at registration and held to the same bounds (the initial
 * access token's constraints are stored with the client). The client id must match; a client secret, when sent,
 * must be the current one; a public client stays public and a confidential one confidential. The registration
 * access token is not rotated (§2.2 allows either): the response carries the one presented.
 */
async function update({ req, store, client, accessToken, nowMs }: Context): Promise<HttpResponse> {
  const input = parseInput(RegistrationUpdate, registrationBody(req), metadataError);
  if (!safeEqual(input.client_id, client.clientId))
    throw new InvalidClientMetadata('client_id: must be the id of the client this registration is for.');
  if (input.client_secret !== undefined && !isCurrentSecret(client, input.client_secret, Math.floor(nowMs / 1000)))
    throw new InvalidClientMetadata('client_secret: does not match the client secret currently issued.');
  const { client_id: _id, client_secret: _secret, ...metadata } = input;
  if ((metadata.token_endpoint_auth_method === 'none') !== (client.tokenEndpointAuthMethod === 'none'))
    throw new InvalidClientMetadata(
      'token_endpoint_auth_method: a client cannot switch between public (none) and confidential; register a new client.',
    );
  const constraints = client.registration!.constraints;
  const problem = constraintsProblem(metadata, constraints);
  if (problem) throw problem;
  const grantsProblem = grantTypesProblem(metadata.grant_types, {
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    redirectUris: metadata.redirect_uris,
  });
  if (grantsProblem) throw new InvalidClientMetadata(grantsProblem);

  // What an administrator set beyond RFC 7591 (resources, audience, lifetimes, …) stays as it is.
  // RFC 7592 §2.2 replaces the metadata: a flag the update leaves out goes back to its default.
  const { requirePushedAuthorizationRequests: _previous, ...kept } = client;
  const next: Client = {
    ...kept,
    ...standardFields(metadata),
    firstParty: constraints.firstParty,
    updatedAt: nowMs,
  };
  const data = clientJson(next);
  await commit(
    store.table,
    auditedChange(store, req, client.tenantId, nowMs, {
      parts: store.clients.updateClientParts(client, next),
      actor: `client:${client.clientId}`,
      audit: { action: 'client.updated', target: { type: 'client', id: client.clientId }, changes: metadata },
      events: [{ type: 'client.updated', data }],
    }),
  );
  return json(200, clientInformation(req, next, { accessToken }));
}

/**
 * RFC 7592 §2.3: deletes the client as the admin API does; its credentials, its registration access token and
 * every token issued to it stop working (tokens are checked with their client). 204, no body.
 */
async function remove({ req, store, client, nowMs }: Context): Promise<HttpResponse> {
  await commit(
    store.table,
    auditedChange(store, req, client.tenantId, nowMs, {
      parts: store.clients.deleteClientParts(client),
      actor: `client:${client.clientId}`,
      audit: {
        action: 'client.deleted',
        target: { type: 'client', id: client.clientId },
        changes: { client_name: client.clientName },
      },
      events: [{ type: 'client.deleted', data: { client_id: client.clientId, client_name: client.clientName } }],
    }),
  );
  return { status: 204 };
}

const METHODS: Readonly<Record<string, (ctx: Context) => HttpResponse | Promise<HttpResponse>>> = {
  GET: read,
  PUT: update,
  DELETE: remove,
};

/** {issuer}/register/{clientId} — the client configuration endpoint (RFC 7592), with the registration access token. */
export async function clientConfiguration(req: HttpRequest): Promise<HttpResponse> {
  const method = METHODS[req.method];
  if (!method) throw new MethodNotAllowed(Object.keys(METHODS));
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const { client, accessToken } = await requireRegisteredClient(req, store, tenant.id);
  return method({ req, store, client, accessToken, nowMs: store.clock.now() });
}

export const handler = createTenantHandler(clientConfiguration, { oauth: true });
