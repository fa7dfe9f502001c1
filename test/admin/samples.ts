import { resourceIdOf } from '../../lambdas/core/store/resources.ts';
import { type HttpMethod, type Route, routes } from '../../lambdas/routes.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { admin } from '../support/admin.ts';
import { registerClient, signedInUser } from '../support/oidc.ts';
import { Receiver, webhookWithDelivery } from '../support/webhooks.ts';

/** The resource server the samples register (POST admin-resources), and the id its path takes. */
export const SAMPLE_RESOURCE_IDENTIFIER = 'https://api.sample.example.com/v1';
export const SAMPLE_RESOURCE_ID = resourceIdOf(SAMPLE_RESOURCE_IDENTIFIER);

/**
 * One valid request per admin route and method (path parameters are filled in by the test), shared by the isolation
 * matrix, the bad-input matrix and the OpenAPI test. A route missing here fails those tests: add its sample.
 */
export const SAMPLE_BODIES: Readonly<Record<string, Partial<Record<HttpMethod, Record<string, unknown>>>>> = {
  'admin-tenants': { POST: { name: 'Sample', plan: 'free' } },
  'init-auth': { POST: { userId: 'sample-user', action: 'withdraw', custom: { amount: 10 } } },
  'admin-tenant': { PATCH: { name: 'Renamed', settings: { signUpOpen: false } } },
  'admin-api-keys': { POST: { name: 'sample key', scopes: ['read'] } },
  'admin-initial-access-tokens': {
    POST: {
      description: 'Sample integrations',
      expires_in: 3600,
      max_uses: 3,
      allowed_redirect_hosts: ['sample.example.com'],
      grant_types: ['authorization_code', 'refresh_token'],
    },
  },
  'admin-clients': {
    POST: {
      redirect_uris: ['https://sample.example.com/cb'],
      client_name: 'Sample',
      resources: [SAMPLE_RESOURCE_IDENTIFIER],
      token_exchange: { scopes: ['openid', 'email'], max_lifetime: 300 },
    },
  },
  'admin-client': {
    PATCH: { client_name: 'Renamed', redirect_uris: ['https://sample.example.com/new'], resources: null },
  },
  'admin-client-secret': { POST: { overlap_seconds: 60 } },
  'admin-users': { POST: { email: 'sample@example.com', given_name: 'Sam', roles: ['user'] } },
  'admin-user': { PATCH: { given_name: 'Samuel', suspended: false } },
  'admin-user-invitation': { POST: {} },
  'admin-roles': { POST: { name: 'billing', description: 'Sees invoices' } },
  'admin-resources': {
    POST: {
      identifier: SAMPLE_RESOURCE_IDENTIFIER,
      name: 'Sample API',
      scopes: ['things:read', 'things:write'],
      access_token_lifetime: 600,
    },
  },
  'admin-webhooks': { POST: { url: 'http://127.0.0.1:9/hooks', events: ['user.created'], description: 'Sample' } },
  'admin-webhook': { PATCH: { description: 'Renamed', events: ['*'] } },
  'admin-webhook-secret': { POST: { overlap_seconds: 60 } },
  'admin-webhook-test': { POST: {} },
  'admin-webhook-replay': { POST: {} },
  'admin-webhook-bulk-replay': { POST: { since: '2026-01-01T00:00:00Z' } },
};

/** Routes whose POST body follows RFC 7591 §2: unknown metadata is ignored, not refused. */
export const IGNORES_UNKNOWN_FIELDS = new Set(['admin-clients', 'admin-client']);

/** Every admin route and method (OPTIONS aside). */
export const ADMIN_CALLS: readonly { route: Route; method: HttpMethod }[] = routes
  .filter((r) => r.path.startsWith('/admin/'))
  .flatMap((route) => route.methods.filter((m) => m !== 'OPTIONS').map((method) => ({ route, method })));

/** DELETEs last, in an order that keeps what later calls need. */
const DELETE_ORDER = [
  'admin-user-passkey',
  'admin-user-sessions',
  'admin-api-key',
  'admin-initial-access-token',
  'admin-role',
  'admin-resource',
  'admin-client',
  'admin-user',
  'admin-webhook',
  'admin-tenant',
];

/** ADMIN_CALLS in an order one tenant can run them all in, one after the other. */
export const ADMIN_CALLS_IN_RUNNABLE_ORDER = [...ADMIN_CALLS].sort((a, b) => {
  const rank = (c: { route: Route; method: HttpMethod }) =>
    c.method === 'DELETE' ? 100 + DELETE_ORDER.indexOf(c.route.id) : 0;
  return rank(a) - rank(b);
});

/**
 * What the admin routes' path parameters name, created in `tenantId` for the runnable order: a second API key, a
 * client, an initial access token, a signed-in user with a passkey, a custom role, a webhook with a delivery (stop `receiver` afterwards).
 */
export async function samplePathParams(keyway: LocalKeyway, tenantId: string) {
  const extraKey = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'doomed' } });
  const registrationToken = await admin(keyway, 'POST', `/admin/tenants/${tenantId}/initial-access-tokens`, {
    body: { description: 'doomed' },
  });
  const client = await registerClient(keyway, tenantId);
  const user = await signedInUser(keyway, tenantId);
  const [passkey] = await keyway.store.users.listPasskeys(tenantId, user.userId);
  await admin(keyway, 'POST', `/admin/tenants/${tenantId}/roles`, { body: { name: 'auditor' } });
  const receiver = await Receiver.start();
  const webhook = await webhookWithDelivery(keyway, tenantId, receiver);
  const params: Record<string, string> = {
    ...webhook,
    tenantId,
    keyId: extraKey.body.id as string,
    tokenId: registrationToken.body.id as string,
    clientId: client.client_id,
    userId: user.userId,
    credentialId: passkey!.credentialId,
    name: 'auditor',
    resourceId: SAMPLE_RESOURCE_ID,
  };
  return { params, client, user, receiver };
}
