import { getConfig } from '../runtime-config.ts';

/** What a hosted flow sends; `purpose` names it in logs and the dev mailbox (never the code or link inside). */
export type EmailPurpose =
  | 'signup-code'
  | 'signup-registered'
  | 'recovery-code'
  | 'recovery-unknown'
  | 'code-locked'
  | 'invitation'
  | 'passkey-added';

export interface EmailMessage {
  readonly tenantId: string;
  /** One recipient, lower-cased. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly purpose: EmailPurpose;
}

/** The email port: Amazon SES in AWS (ses-mailer.ts), the dev mailbox in local mode (local/dev-mailbox.ts). */
export interface Mailer {
  send(message: EmailMessage): Promise<void>;
}

let mailer: Promise<Mailer> | undefined;

/**
 * The process's mailer, built on first use so only the functions that send email bundle the SES client. In AWS
 * EMAIL_FROM (and optionally EMAIL_CONFIGURATION_SET) name the verified SES identity; local mode installs the dev
 * mailbox with overrideMailer.
 */
export function getMailer(): Promise<Mailer> {
  mailer ??= (async () => {
    const { region, email } = getConfig();
    if (!email.from) throw new Error('EMAIL_FROM must be set to send email');
    const { SesMailer } = await import('./ses-mailer.ts');
    return new SesMailer({ region, from: email.from, configurationSet: email.configurationSet });
  })().catch((error) => {
    mailer = undefined;
    throw error;
  });
  return mailer;
}

export function overrideMailer(replacement: Mailer): void {
  mailer = Promise.resolve(replacement);
}
