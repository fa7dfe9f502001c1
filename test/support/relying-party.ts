import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { LocalKeyway } from '../../local/app.ts';

/** The relying party's callback for the e2e tests: a real loopback server the browser lands on. */
export async function startRelyingParty(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.end('relying party'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** openid-client's configuration of a confidential client of `tenantId`, from the tenant's discovery document. */
export function discover(
  keyway: LocalKeyway,
  tenantId: string,
  client: { client_id: string; client_secret?: string | undefined },
): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(`${keyway.baseUrl}/${tenantId}`),
    client.client_id,
    undefined,
    oidc.ClientSecretBasic(client.client_secret!),
    { execute: [oidc.allowInsecureRequests] },
  );
}

/** An authorization request with PKCE S256, state and nonce, and the checks its callback is redeemed with. */
export async function authorizationRequest(
  config: oidc.Configuration,
  redirectUri: string,
  scope: string,
  extra: Record<string, string> = {},
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
}
