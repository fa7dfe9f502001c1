import { epochSeconds } from '../clock.ts';
import { safeEqual, sha256 } from '../crypto.ts';
import { InvalidClient, InvalidRequest } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import type { Client } from '../store/clients.ts';
import type { Store } from '../store/store.ts';

/** RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64. */
export function parseBasic(header: string): { clientId: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
    };
  } catch {
    return undefined;
  }
}

/** The client credentials of a request, parsed but not yet checked against the client. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly method: Client['tokenEndpointAuthMethod'];
  readonly secret: string | undefined;
}

/**
 * Reads the client credentials of a token/revoke/introspect request, which must use exactly one method
 * (RFC 6749 §2.3): client_secret_basic, client_secret_post, or none (public clients, client_id only).
 */
export function clientCredentials(req: HttpRequest): ClientCredentials {
  const authorization = req.headers.authorization;
  const basic = authorization ? parseBasic(authorization) : undefined;
  if (authorization && !basic && /^Basic /i.test(authorization))
    throw new InvalidClient('Malformed Basic credentials.');
  const bodySecret = req.form.client_secret;
  const bodyId = req.form.client_id;
  if (basic && (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)))
    throw new InvalidRequest('Use exactly one client authentication method (RFC 6749 §2.3).');

  const method = basic ? 'client_secret_basic' : bodySecret !== undefined ? 'client_secret_post' : 'none';
  const clientId = basic?.clientId ?? bodyId;
  if (!clientId) throw new InvalidClient('Client authentication is required.');
  return { clientId, method, secret: basic?.secret ?? bodySecret };
}

/**
 * Checks credentials against the stored client (undefined when unknown). The method must be the one the client
 * registered; the secret must be the current one or, during a rotation's overlap, the previous one. Every failure
 * is the same 401 invalid_client: unknown clients, wrong secrets and wrong methods give nothing to probe.
 */
export function verifyClient(credentials: ClientCredentials, client: Client | undefined, now: number): Client {
  if (!client || client.tokenEndpointAuthMethod !== credentials.method) throw new InvalidClient();
  if (credentials.method !== 'none') {
    const presented = sha256(credentials.secret ?? '');
    const current = client.secretHash !== undefined && safeEqual(presented, client.secretHash);
    const previous =
      client.previousSecretHash !== undefined &&
      (client.previousSecretExpiresAt ?? 0) > now &&
      safeEqual(presented, client.previousSecretHash);
    if (!current && !previous) throw new InvalidClient();
  }
  return client;
}

/** clientCredentials + verifyClient with the client read from the store (revoke, introspect). */
export async function authenticateClient(req: HttpRequest, store: Store, tenantId: string): Promise<Client> {
  const credentials = clientCredentials(req);
  return verifyClient(
    credentials,
    await store.clients.findClient(tenantId, credentials.clientId),
    epochSeconds(store.clock),
  );
}
