import { escapeHtml } from '../http/page-shell.ts';
import type { EmailMessage, EmailPurpose } from './mailer.ts';

/**
 * The emails the hosted flows send: a subject, paragraphs and at most one code or link, written as text and as a
 * simple HTML rendering of the same content (inline styles only: mail clients drop style sheets). Placeholders
 * `{tenant}`, `{minutes}` are filled here; the code and the link are set apart so neither is ever in a log line.
 */
interface Template {
  readonly subject: string;
  readonly paragraphs: readonly string[];
  /** Shown after the first paragraph: the code in large type, or a button for the link. */
  readonly action?: 'code' | 'link';
  readonly linkLabel?: string;
}

const TEMPLATES: Readonly<Record<EmailPurpose, Template>> = {
  'signup-code': {
    subject: 'Your {tenant} sign-up code',
    paragraphs: [
      'Enter this code on the sign-up page to confirm your email address:',
      'It works for {minutes} minutes. If you did not try to create an account, you can ignore this email.',
    ],
    action: 'code',
  },
  'signup-registered': {
    subject: 'You already have a {tenant} account',
    paragraphs: [
      'Someone, probably you, tried to create a {tenant} account with this email address. You already have one, so no new account was created.',
      'Sign in with your passkey instead. If you lost it, choose “Lost your passkey?” on the sign-in page.',
    ],
    action: 'link',
    linkLabel: 'Go to sign-in',
  },
  'recovery-code': {
    subject: 'Your {tenant} recovery code',
    paragraphs: [
      'Enter this code on the recovery page to set up a new passkey for your account:',
      'It works for {minutes} minutes. Never share it: nobody from {tenant} will ask you for it. If you did not ask for it, ignore this email: your account stays as it is.',
    ],
    action: 'code',
  },
  'recovery-unknown': {
    subject: '{tenant} account recovery',
    paragraphs: [
      'Someone, probably you, asked to recover a {tenant} account for this email address, but there is no account with it.',
      'If you have an account under another address, try that one. If you did not ask for this, you can ignore this email.',
    ],
  },
  'code-locked': {
    subject: 'Your {tenant} code could not be sent',
    paragraphs: [
      'Someone asked for a {tenant} code for this email address, but too many wrong codes were typed for it today, so no code was sent.',
      'Try again tomorrow. If you did not ask for a code, someone may be trying to get into your account: you can ignore this email, nothing was changed.',
    ],
  },
  invitation: {
    subject: 'You are invited to {tenant}',
    paragraphs: [
      'An administrator created a {tenant} account for you. Set up a passkey to sign in: it takes a few seconds.',
      'The link works for 7 days and only once.',
    ],
    action: 'link',
    linkLabel: 'Set up your passkey',
  },
};

export interface MessageInput {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly to: string;
  readonly code?: string;
  readonly link?: string;
  readonly minutes?: number;
}

function fill(text: string, input: MessageInput): string {
  return text.replaceAll('{tenant}', input.tenantName).replaceAll('{minutes}', String(input.minutes ?? 10));
}

/** Builds one email; a template's code or link must be given. */
export function composeEmail(purpose: EmailPurpose, input: MessageInput): EmailMessage {
  const template = TEMPLATES[purpose];
  const action = template.action;
  if (action === 'code' && !input.code) throw new Error(`${purpose} needs a code`);
  if (action === 'link' && !input.link) throw new Error(`${purpose} needs a link`);
  const [first = '', ...rest] = template.paragraphs.map((p) => fill(p, input));
  const label = template.linkLabel ?? '';

  const textAction =
    action === 'code' ? `    ${input.code}` : action === 'link' ? `${label}: ${input.link}` : undefined;
  const text = [first, ...(textAction ? [textAction] : []), ...rest, `— ${input.tenantName}`].join('\n\n');

  const p = (content: string) => `<p style="margin:0 0 16px">${content}</p>`;
  const htmlAction =
    action === 'code'
      ? `<p style="margin:0 0 16px;font-size:28px;font-weight:700;letter-spacing:6px">${escapeHtml(input.code ?? '')}</p>`
      : action === 'link'
        ? p(
            `<a href="${escapeHtml(input.link ?? '')}" style="display:inline-block;padding:10px 18px;background:#2f5bea;color:#ffffff;border-radius:8px;text-decoration:none;font-weight:600">${escapeHtml(label)}</a>`,
          )
        : '';
  const html = `<!doctype html><html><body style="margin:0;padding:24px;background:#f4f6fb;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#14171f"><div style="max-width:480px;margin:0 auto;background:#ffffff;border:1px solid #d7dce6;border-radius:12px;padding:24px"><p style="margin:0 0 8px;color:#5b6475;font-weight:600">${escapeHtml(input.tenantName)}</p>${p(escapeHtml(first))}${htmlAction}${rest.map((r) => p(escapeHtml(r))).join('')}</div></body></html>`;
  return {
    tenantId: input.tenantId,
    to: input.to,
    subject: fill(template.subject, input),
    text,
    html,
    purpose,
  };
}
