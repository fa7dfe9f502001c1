import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type AdminContext,
  change,
  createAdminHandler,
  jsonBody,
  pageQuery,
  pageResponse,
} from '../core/admin/endpoint.ts';
import { CreateUser } from '../core/admin/schemas.ts';
import { invitationJson, sendInvitation } from '../core/admin/users.ts';
import { getMailer } from '../core/email/mailer.ts';
import { json } from '../core/http/types.ts';
import { requireTenant } from '../core/issuer.ts';
import { roleChanges } from '../core/store/roles.ts';
import type { User } from '../core/store/users.ts';
import { parseInput } from '../core/validation.ts';
import { userJson } from '../core/views.ts';

/**
 * GET /admin/tenants/{tenantId}/users — creation order, paginated; `?email=` finds one user (exact, any case), and
 * `?external_id=` the one the tenant knows by that id.
 */
async function listUsers({ req, store }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const query = pageQuery(req, {
    email: z.optional(z.string().check(z.maxLength(254))),
    external_id: z.optional(z.string().check(z.maxLength(255))),
  });
  if (query.email !== undefined || query.external_id !== undefined) {
    const userId =
      query.email !== undefined
        ? await store.users.findUserIdByEmail(tenant.id, query.email)
        : await store.users.findUserIdByExternalId(tenant.id, query.external_id!);
    const user = userId ? await store.users.findUser(tenant.id, userId) : undefined;
    return json(200, { items: user ? [userJson(user)] : [], next_cursor: null });
  }
  return pageResponse(await store.users.listUsers(tenant.id, query), userJson);
}

/**
 * POST /admin/tenants/{tenantId}/users — an account without credentials. The email is unique per tenant (409),
 * custom roles must exist (400), both decided in the write's transaction. Unless `invite` is false, the same
 * transaction issues an invitation, emailed once the change has committed: its link lets the user enroll a passkey
 * (GET|POST {issuer}/invitation). A failed send does not fail the creation: the response says `sent: false`.
 */
async function createUser({ req, store, now }: AdminContext) {
  const tenant = await requireTenant(req, store);
  const input = parseInput(
    CreateUser,
    jsonBody(req, '{ "email", "given_name"?, "family_name"?, "roles"?, "external_id"?, "email_verified"?, "invite"? }'),
  );
  const user: User = {
    tenantId: tenant.id,
    userId: randomUUID(),
    email: input.email,
    emailVerified: input.email_verified ?? false,
    givenName: input.given_name ?? '',
    familyName: input.family_name ?? '',
    roles: input.roles ?? ['user'],
    ...(input.external_id !== undefined ? { externalId: input.external_id } : {}),
    createdAt: now,
  };
  const invitation =
    input.invite === false ? undefined : store.invitations.issueInvitation(user, now, { newUser: true });
  const location = { Location: `${req.baseUrl}/admin/tenants/${tenant.id}/users/${user.userId}` };
  const created = (sent: boolean | null) =>
    json(
      201,
      { ...userJson(user), invitation: invitation ? invitationJson(invitation.expiresAt, sent) : null },
      location,
    );
  return change({
    parts: [
      ...store.users.createUser(user),
      ...roleChanges(store.roles, tenant.id, [], user.roles),
      ...(invitation?.parts ?? []),
    ],
    auditTenantId: tenant.id,
    audit: {
      action: 'user.created',
      target: { type: 'user', id: user.userId },
      changes: { ...userJson(user), invite: invitation !== undefined },
    },
    events: [{ type: 'user.created', data: userJson(user) }],
    // Committed (and stored for replays) before the email is sent: `sent` is known only to this first response.
    response: created(null),
    ...(invitation
      ? { after: async () => created(await sendInvitation(req, getMailer, tenant, user, invitation.token)) }
      : {}),
  });
}

export const handler = createAdminHandler({ GET: listUsers, POST: createUser });
