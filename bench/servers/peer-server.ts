/**
 * Bench child: the peer, node-oidc-provider (npm `oidc-provider`), configured to do what Keyway's token endpoint
 * does: RS256 with an RSA-2048 key, JWT access tokens (RFC 9068, via a resource indicator) plus an ID token, so
 * two RSA signatures per token response; refresh tokens rotated on every use; PKCE required; client_secret_basic.
 * Storage (PEER_STORAGE): `memory`, a Map adapter (below), or `dynamodb`, the DynamoDB adapter of
 * ./dynamodb-adapter.ts on the bench's DynamoDB Local (DYNAMODB_ENDPOINT, PEER_TABLE_NAME), through a document client
 * built by Keyway's own `createDocumentClient` (same SDK packages, same settings). Its CPU time and (with DynamoDB)
 * the DynamoDB calls it made are reported over IPC.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { createDocumentClient } from '../../lambdas/core/store/table.ts';
import { cpuHandler, exitWithParent, profilerHandlers, serveIpc } from '../lib/children.ts';
import { countDynamoCalls } from '../lib/dynamo-calls.ts';
import { pool } from '../lib/stats.ts';
import { dynamoDbAdapter, ensurePeerTable } from './dynamodb-adapter.ts';
import { PEER_CLIENT, PEER_REDIRECT_URI } from './peer-server-config.ts';

const RESOURCE = 'https://api.bench.example';
const SCOPE = 'openid profile email offline_access';
const ACCOUNT = 'f3b4c1de-2a9b-4c55-9c1e-5d1f0b7a9e01';

/**
 * oidc-provider's bundled MemoryAdapter is an LRU capped at 1,000 entries: the bench pre-mints thousands of codes
 * and would see them evicted. This is the same thing without the cap: a Map, plus a grant index for revocation.
 */
const memory = new Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>();
const grants = new Map<string, Set<string>>();

class MapAdapter implements Adapter {
  constructor(private readonly name: string) {}
  private key(id: string) {
    return `${this.name}:${id}`;
  }
  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.key(id);
    memory.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    if (payload.grantId) {
      const members = grants.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      grants.set(payload.grantId, members);
    }
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = memory.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      memory.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }
  async findByUserCode(): Promise<AdapterPayload | undefined> {
    return undefined;
  }
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const { payload } of memory.values()) if (payload.uid === uid) return payload;
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const entry = memory.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    memory.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of grants.get(grantId) ?? []) memory.delete(key);
    grants.delete(grantId);
  }
}

/** The adapter PEER_STORAGE asks for, and (with DynamoDB) what reports its calls and closes its client. */
async function storage(): Promise<{
  adapter: new (name: string) => Adapter;
  dynamoCalls?: () => Promise<Record<string, unknown>>;
  close: () => Promise<void>;
}> {
  const kind = process.env.PEER_STORAGE ?? 'memory';
  if (kind === 'memory') return { adapter: MapAdapter, close: async () => undefined };
  if (kind !== 'dynamodb') throw new Error(`PEER_STORAGE=${kind}: expected memory or dynamodb`);
  const tableName = process.env.PEER_TABLE_NAME ?? 'oidc-provider-bench';
  const { client, doc } = createDocumentClient({ region: 'us-west-2', endpoint: process.env.DYNAMODB_ENDPOINT! });
  await ensurePeerTable(client, tableName);
  // Counted from here on: the table's creation is not the provider's.
  const dynamoCalls = countDynamoCalls(doc);
  return { adapter: dynamoDbAdapter(doc, tableName), dynamoCalls, close: async () => client.destroy() };
}

async function main() {
  const store = await storage();
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    adapter: store.adapter,
    clients: [
      {
        ...PEER_CLIENT,
        redirect_uris: [PEER_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        email: 'ada@example.com',
        email_verified: false,
        given_name: 'Ada',
        family_name: 'Lovelace',
        name: 'Ada Lovelace',
      }),
    }),
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api',
          audience: RESOURCE,
          accessTokenTTL: 900,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: 900, IdToken: 900, AuthorizationCode: 60, RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600 },
  });
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void callback(req, res));
  const client = await provider.Client.find(PEER_CLIENT.client_id);
  if (!client) throw new Error('peer client not loaded');

  /**
   * The authorization endpoint's output, without the interaction UI: a Grant (consented scopes + the API
   * resource) and an AuthorizationCode bound to it, the client, the redirect URI and a PKCE challenge, saved
   * through the same models and adapter the authorization endpoint uses. The token endpoint then runs unchanged.
   */
  async function mintCode() {
    const verifier = randomBytes(32).toString('base64url');
    const grant = new provider.Grant({ accountId: ACCOUNT, clientId: PEER_CLIENT.client_id });
    grant.addOIDCScope(SCOPE);
    grant.addResourceScope(RESOURCE, 'api');
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: ACCOUNT,
      grantId,
      client,
      redirectUri: PEER_REDIRECT_URI,
      scope: `${SCOPE} api`,
      resource: RESOURCE,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000),
      amr: ['hwk', 'user'],
      nonce: 'n-1',
    });
    return { code: await code.save(), verifier };
  }

  exitWithParent(async () => {
    await new Promise<void>((res) => server.close(() => res()));
    await store.close();
  });
  serveIpc({
    cpu: cpuHandler,
    ...profilerHandlers(),
    ...(store.dynamoCalls ? { dynamoCalls: store.dynamoCalls } : {}),
    // A few at a time: with DynamoDB each code is two PutItems (grant, code), outside the measured phase.
    mintCodes: async (m) => ({ codes: await pool(m.count as number, 8, () => mintCode()) }),
  });
  process.send?.({ type: 'ready', url: issuer, tokenPath: '/token', pid: process.pid });
}

main().catch((error: Error) => {
  process.send?.({ type: 'fatal', error: error.stack ?? String(error) });
  process.exit(1);
});
