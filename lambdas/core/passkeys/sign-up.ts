import { brandOf } from '../branding.ts';
import { AccessDenied } from '../errors.ts';
import type { Tenant } from '../store/tenants.ts';

/**
 * Whether the tenant lets people create an account. Its own module, free of WebAuthn code, so the sign-up page
 * can check it without bundling @simplewebauthn/server; the registration steps check it again.
 */
export function requireSignUpOpen(tenant: Tenant): void {
  if (!tenant.settings.signUpOpen)
    throw new AccessDenied(
      `${brandOf(tenant).name} does not allow creating an account here; ask an administrator to invite you.`,
    );
}

/** A registration whose emailed code is spent or too old (the flow, store/email-flows.ts, decides). */
export const FLOW_SPENT = 'Confirm your email address again: this code was already used, or it is too old.';
