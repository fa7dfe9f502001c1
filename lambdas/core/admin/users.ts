import { brandOf } from '../branding.ts';
import type { Mailer } from '../email/mailer.ts';
import { composeEmail } from '../email/messages.ts';
import { NotFound } from '../errors.ts';
import type { HttpRequest } from '../http/types.ts';
import { localeOf } from '../i18n/locales.ts';
import { issuerOf, requireTenant } from '../issuer.ts';
import { logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../store/tenants.ts';
import type { User } from '../store/users.ts';
import { isoTime } from '../views.ts';

/** The tenant and the user named by the path, or 404. */
export async function requireUser(req: HttpRequest, store: Store): Promise<{ tenant: Tenant; user: User }> {
  const tenant = await requireTenant(req, store);
  const user = await store.users.findUser(tenant.id, req.params.userId ?? '');
  if (!user) throw new NotFound('No such user.');
  return { tenant, user };
}

export { endUserSessions } from '../store/user-cleanup.ts';

/**
 * The admin API's view of an invitation: until when its link works, and whether the email went out — `null` in an
 * idempotent replay, whose stored response was committed before the email was sent.
 */
export function invitationJson(expiresAt: number, sent: boolean | null) {
  return { expires_at: isoTime(expiresAt), sent };
}

/**
 * Emails the link of a committed invitation (the follow-up of the admin change that issued it). A failed send does
 * not undo the change: it is logged, without the address or the link, and reported (false); sending again issues a
 * new link. `mailer` is getMailer, passed in so that only the routes that send email bundle the SES client.
 */
export async function sendInvitation(
  req: HttpRequest,
  mailer: () => Promise<Mailer>,
  tenant: Tenant,
  user: User,
  token: string,
): Promise<boolean> {
  const link = `${issuerOf(req, tenant.id)}/invitation?token=${encodeURIComponent(token)}`;
  try {
    const message = composeEmail('invitation', {
      tenantId: tenant.id,
      tenantName: brandOf(tenant).name,
      to: user.email,
      link,
      // The admin request's Accept-Language (the invited person's own is not known yet), else English.
      locale: localeOf({ headers: req.headers }),
    });
    await (await mailer()).send(message);
    return true;
  } catch (error) {
    logger.error('sending an invitation failed', {
      tenantId: tenant.id,
      userId: user.userId,
      traceId: req.traceId,
      error: (error as Error).name,
    });
    return false;
  }
}
