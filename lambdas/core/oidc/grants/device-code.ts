import { epochSeconds } from '../../clock.ts';
import { DevicePollError, InvalidGrant } from '../../errors.ts';
import { issuerOf } from '../../issuer.ts';
import { isTransactionConditionFailed } from '../../store/table.ts';
import type { Grant } from '../../store/tokens.ts';
import { isUserActive } from '../../store/users.ts';
import { DEVICE_CODE } from '../grant-types.ts';
import { grantResource } from '../resources.ts';
import { hasScope } from '../scopes.ts';
import { accessTokenTarget, lifetimesOf, mintTokens } from '../token-minting.ts';
import { type GrantContext, type GrantModule, param, refreshTokenFor } from './grant.ts';

/**
 * RFC 8628 §3.4: the device polls with its device code. Every poll is one conditional UpdateItem (store/devices.ts):
 * too early is `slow_down` (and 5 s more between polls), not yet answered `authorization_pending`, refused
 * `access_denied`, past its 10 minutes `expired_token`; approved, the first poll redeems it (single use by
 * condition) and gets the user's tokens, as an authorization code would.
 */
async function pollDeviceCode(ctx: GrantContext) {
  const { req, store, tenant, client } = ctx;
  const result = await store.devices.poll(tenant.id, param(req, 'device_code'), client.clientId);
  switch (result.status) {
    case 'pending':
      throw new DevicePollError(
        'authorization_pending',
        'The user has not answered yet; poll again after the interval.',
      );
    case 'slow_down':
      throw new DevicePollError('slow_down', 'Polling too often: wait 5 seconds more between polls (RFC 8628 §3.5).');
    case 'denied':
      throw new DevicePollError('access_denied', 'The user denied the request.');
    case 'expired':
      throw new DevicePollError('expired_token', 'The device code expired; start over with a new one.');
    case 'unknown':
      throw new InvalidGrant('The device code is invalid, was issued to another client, or was already used.');
  }
  const device = result.device;
  const now = epochSeconds(store.clock);
  const [user, resource] = await Promise.all([
    store.users.findUser(tenant.id, device.userId ?? ''),
    grantResource(store, client, device.resource),
  ]);
  if (!user || !isUserActive(user, device.authTime ?? 0))
    throw new InvalidGrant('The user who approved is suspended, signed out or gone.');
  const offline = hasScope(device.scope, 'offline_access') && client.grantTypes.includes('refresh_token');
  const lifetimes = lifetimesOf(tenant, client);
  const grant: Grant = {
    tenantId: tenant.id,
    grantId: device.grantId,
    clientId: client.clientId,
    userId: user.userId,
    scope: device.scope,
    ...(device.resource !== undefined ? { resource: device.resource } : {}),
    authTime: device.authTime ?? now,
    amr: device.amr ?? [],
    createdAt: now,
    expiresAt:
      now + (offline ? lifetimes.refreshTokenTtlSeconds : accessTokenTarget(tenant, client, resource).ttl) + 60,
  };
  const refresh = offline ? refreshTokenFor(ctx, grant, device.scope, now) : undefined;
  try {
    await store.tokens.createGrant(grant, refresh);
  } catch (error) {
    if (isTransactionConditionFailed(error)) throw new InvalidGrant('The device code was already used.');
    throw error;
  }
  return mintTokens({
    signer: ctx.signer,
    issuer: issuerOf(req, tenant.id),
    tenant,
    client,
    subject: { kind: 'user', user, grant, refreshToken: refresh?.raw },
    scope: device.scope,
    now,
    resource,
  });
}

export const deviceCode: GrantModule = {
  grantType: DEVICE_CODE,
  parameters: [{ name: 'device_code', required: true }],
  handle: pollDeviceCode,
};
