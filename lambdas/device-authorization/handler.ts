import { randomUUID } from 'node:crypto';
import { getStore } from '../core/deps.ts';
import { InvalidRequest, UnauthorizedClient } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { authenticateClient } from '../core/oidc/client-auth.ts';
import { DEVICE_CODE } from '../core/oidc/grant-types.ts';
import { checkResourceScope, resolveResource } from '../core/oidc/resources.ts';
import { checkScope } from '../core/oidc/scopes.ts';
import { DEVICE_CODE_TTL, DEVICE_POLL_INTERVAL, displayUserCode } from '../core/store/devices.ts';

/**
 * POST {issuer}/device_authorization — RFC 8628 §3.1–3.2. A client registered for the device grant (public, with its
 * client_id, or confidential, authenticated) asks for a device code and a user code; the user enters the code at
 * `verification_uri` (the hosted device page) or opens `verification_uri_complete`, while the device polls the token
 * endpoint. Scopes and an optional `resource` are checked as at authorize.
 */
export async function deviceAuthorization(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  if (req.json !== undefined) throw new InvalidRequest('Send the request as application/x-www-form-urlencoded.');
  const client = await authenticateClient(req, store, tenant.id);
  if (!client.grantTypes.includes(DEVICE_CODE))
    throw new UnauthorizedClient('The client is not registered for the device authorization grant.');
  const resource = await resolveResource(store, client, req.form.resource);
  // §3.1: scope is optional; absent, the client's registered scopes.
  const requested = req.form.scope ?? client.scope;
  const scope = resource ? checkResourceScope(requested, client, resource) : checkScope(requested, client.scope);
  const { deviceCode, device } = await store.devices.createDeviceAuthorization({
    tenantId: tenant.id,
    clientId: client.clientId,
    scope,
    resource: resource?.identifier,
    grantId: randomUUID(),
  });
  const issuer = issuerOf(req, tenant.id);
  const userCode = displayUserCode(device.userCode);
  return json(200, {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: `${issuer}/device`,
    verification_uri_complete: `${issuer}/device?user_code=${userCode}`,
    expires_in: DEVICE_CODE_TTL,
    interval: DEVICE_POLL_INTERVAL,
  });
}

export const handler = createTenantHandler(deviceAuthorization, { oauth: true });
