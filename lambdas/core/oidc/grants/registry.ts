import { DEVICE_CODE, type GrantType, TOKEN_EXCHANGE } from '../grant-types.ts';
import { authorizationCode } from './authorization-code.ts';
import { clientCredentialsGrant } from './client-credentials.ts';
import { deviceCode } from './device-code.ts';
import type { GrantModule } from './grant.ts';
import { refreshToken } from './refresh-token.ts';
import { tokenExchange } from './token-exchange.ts';

/** One module per grant type (the token endpoint dispatches on `grant_type`). */
export const GRANTS: Readonly<Record<GrantType, GrantModule>> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  client_credentials: clientCredentialsGrant,
  [TOKEN_EXCHANGE]: tokenExchange,
  [DEVICE_CODE]: deviceCode,
};
