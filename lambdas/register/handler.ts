import { clientJson, metadataError, newClient } from '../core/admin/clients.ts';
import { randomToken, sha256 } from '../core/crypto.ts';
import { getStore } from '../core/deps.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import {
  auditedChange,
  clientInformation,
  constraintsProblem,
  OPEN_REGISTRATION,
  RegistrationMetadata,
  registrationBody,
  registrationClientUri,
  requireInitialAccessToken,
} from '../core/oidc/registration.ts';
import type { Client } from '../core/store/clients.ts';
import { commit } from '../core/store/transaction.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/register — RFC 7591 §3.1. With an initial access token (Bearer) the client is held to the token's
 * constraints and the token's use is counted in the same transaction that creates the client (an exhausted token
 * creates nothing). Without one, only where the tenant turned on open registration: a public, third-party client.
 * 201 with the client information response (§3.2.1), the registration access token and the configuration URI
 * (RFC 7592); errors are §3.2.2's `invalid_redirect_uri` / `invalid_client_metadata`, or 401 `invalid_token`.
 */
export async function register(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const nowMs = store.clock.now();
  const now = Math.floor(nowMs / 1000);
  const open = tenant.settings.openClientRegistration && req.headers.authorization === undefined;
  const token = open ? undefined : await requireInitialAccessToken(req, store, tenant.id, now);
  const constraints = token ? token.constraints : OPEN_REGISTRATION;

  const body = registrationBody(req);
  // A public client is what open registration registers: it is the default there instead of client_secret_basic.
  const input =
    open && body.token_endpoint_auth_method === undefined ? { ...body, token_endpoint_auth_method: 'none' } : body;
  const metadata = parseInput(RegistrationMetadata, input, metadataError);
  const problem = constraintsProblem(metadata, constraints);
  if (problem) throw problem;

  // No resource servers: a client nobody vetted may not ask tokens for the tenant's APIs (RFC 8707) until an
  // administrator lists them on it (`resources`); absent would mean every one.
  const { client: created, secret } = newClient(
    tenant.id,
    { ...metadata, first_party: constraints.firstParty, resources: [] },
    now,
  );
  const accessToken = `kw_rat_${randomToken(32)}`;
  const via = token ? `iat:${token.tokenId}` : 'open';
  const client: Client = { ...created, registration: { via, constraints, accessTokenHash: sha256(accessToken) } };
  const data = clientJson(client);
  await commit(
    store.table,
    auditedChange(store, req, tenant.id, nowMs, {
      // The token's use first: when it is spent, that is the error the caller gets.
      parts: [
        ...(token ? [store.initialAccessTokens.spendPart(token, now)] : []),
        ...store.clients.createClientParts(client),
      ],
      actor: token ? `iat:${token.tokenId}` : 'open_registration',
      audit: { action: 'client.created', target: { type: 'client', id: client.clientId }, changes: data },
      events: [{ type: 'client.created', data }],
    }),
  );
  return json(201, clientInformation(req, client, { accessToken, secret }), {
    Location: registrationClientUri(req, client),
  });
}

export const handler = createTenantHandler(register, { oauth: true });
