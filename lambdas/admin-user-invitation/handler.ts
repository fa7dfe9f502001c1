import { type AdminContext, change, createAdminHandler } from '../core/admin/endpoint.ts';
import { NoBody } from '../core/admin/schemas.ts';
import { invitationJson, requireUser, sendInvitation } from '../core/admin/users.ts';
import { getMailer } from '../core/email/mailer.ts';
import { Conflict } from '../core/errors.ts';
import { json } from '../core/http/types.ts';
import { parseInput } from '../core/validation.ts';
import { isoTime } from '../core/views.ts';

/**
 * POST /admin/tenants/{tenantId}/users/{userId}/invitation — (re-)sends the user an invitation: a new link, valid for
 * 7 days and once; the previous link stops working in the same write. Allowed for a user who already has a passkey
 * (a lost device: the link adds one more, the others keep working), refused for a suspended user (409), who could
 * not accept it. The email goes out after the change commits; `sent` says whether it did.
 */
async function sendAgain({ req, store, now }: AdminContext) {
  const { tenant, user } = await requireUser(req, store);
  parseInput(NoBody, req.json ?? {});
  if (user.suspended)
    throw new Conflict('The user is suspended and could not accept an invitation; unsuspend them first.');
  const invitation = store.invitations.issueInvitation(user, now);
  const answer = (sent: boolean | null) =>
    json(200, { user_id: user.userId, ...invitationJson(invitation.expiresAt, sent) });
  return change({
    parts: invitation.parts,
    auditTenantId: tenant.id,
    audit: {
      action: 'user.invitation_sent',
      target: { type: 'user', id: user.userId },
      changes: { expires_at: isoTime(invitation.expiresAt) },
    },
    // Committed (and stored for replays) before the email is sent: `sent` is known only to this first response.
    response: answer(null),
    after: async () => answer(await sendInvitation(req, getMailer, tenant, user, invitation.token)),
  });
}

export const handler = createAdminHandler({ POST: sendAgain });
