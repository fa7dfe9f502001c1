import { DevicePollError, InvalidGrant } from '../../errors.ts';
import { isUserActive } from '../../store/users.ts';
import { DEVICE_CODE } from '../grant-types.ts';
import { grantResource } from '../resources.ts';
import { type GrantContext, type GrantModule, param, startUserFamily } from './grant.ts';

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
  const [user, resource] = await Promise.all([
    store.users.findUser(tenant.id, device.userId ?? ''),
    grantResource(store, client, device.resource),
  ]);
  if (!user || !isUserActive(user, device.authTime ?? 0))
    throw new InvalidGrant('The user who approved is suspended, signed out or gone.');
  return startUserFamily(ctx, {
    grantId: device.grantId,
    user,
    scope: device.scope,
    resource,
    authTime: device.authTime ?? 0,
    amr: device.amr ?? [],
    collision: 'The device code was already used.',
  });
}

export const deviceCode: GrantModule = {
  grantType: DEVICE_CODE,
  parameters: [{ name: 'device_code', required: true }],
  handle: pollDeviceCode,
};
