import { randomBytes } from 'node:crypto';
import { decide } from '../core/actions/rules.ts';
import { signInitToken } from '../core/actions/step-up.ts';
import { authenticate } from '../core/admin/authenticate.ts';
import { jsonBody } from '../core/admin/endpoint.ts';
import { InitAuth } from '../core/admin/schemas.ts';
import { epochSeconds } from '../core/clock.ts';
import { getConfig, getStore } from '../core/deps.ts';
import { Conflict, InvalidRequest, NotFound } from '../core/errors.ts';
import { createTenantHandler } from '../core/http/tenant-handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf, requireTenant } from '../core/issuer.ts';
import { getSigner } from '../core/signing.ts';
import { STEP_UP_TTL, type StepUp } from '../core/store/step-ups.ts';
import { isUserActive } from '../core/store/users.ts';
import { parseInput } from '../core/validation.ts';

/**
 * POST {issuer}/init-auth — starts a step-up action (the Authsignal pattern), called by the tenant's backend with a
 * tenant API key (write scope; Bearer, or Basic with the key as the username: the route table's `tenant-admin`).
 * `userId` is the user's `sub` or the `external_id` the tenant stored on them. The tenant's rules for the action
 * decide now, over `custom`, whether the user is let through, challenged or blocked (core/actions/rules.ts); the
 * answer is a single-use init token (10 minutes) the backend sends the browser to authorize with (`token=`). The
 * decision is not in the answer: the backend reads the outcome from the access token the code redeems for.
 */
export async function initAuth(req: HttpRequest): Promise<HttpResponse> {
  const store = getStore();
  const tenant = await requireTenant(req, store);
  const input = parseInput(
    InitAuth,
    jsonBody(req, '{ "userId", "action", "appId"?, "scope"?, "custom"?, "redirectToSettings"? }'),
  );
  const user =
    (await store.users.findUser(tenant.id, input.userId)) ??
    (await store.users
      .findUserIdByExternalId(tenant.id, input.userId)
      .then((id) => (id ? store.users.findUser(tenant.id, id) : undefined)));
  if (!user) throw new NotFound('No such user: userId is the user’s sub or the external_id stored on them.');
  const now = epochSeconds(store.clock);
  if (!isUserActive(user, now)) throw new Conflict('The user is suspended.');
  if (input.appId !== undefined && !(await store.clients.findClient(tenant.id, input.appId)))
    throw new InvalidRequest('appId names no client of this tenant.');
  const stepUp: StepUp = {
    tenantId: tenant.id,
    id: randomBytes(16).toString('base64url'),
    userId: user.userId,
    action: input.action,
    ...(input.appId !== undefined ? { clientId: input.appId } : {}),
    ...(input.scope !== undefined ? { scope: input.scope } : {}),
    custom: input.custom ?? {},
    redirectToSettings: input.redirectToSettings ?? false,
    decision: decide(tenant.settings.actions, input.action, input.custom ?? {}),
    createdAt: now,
    expiresAt: now + STEP_UP_TTL,
  };
  await store.stepUps.create(stepUp);
  const token = await signInitToken(await getSigner(), issuerOf(req, tenant.id), stepUp);
  return json(200, { token, action_id: stepUp.id, expires_in: STEP_UP_TTL });
}

export const handler = createTenantHandler(initAuth, {
  authenticator: (req, auth) => authenticate(req, auth, { store: getStore(), config: getConfig() }),
});
