import { escapeHtml } from '../http/page-shell.ts';
import type { Locale } from '../i18n/locales.ts';
import { type MessageKey, t } from '../i18n/messages.ts';
import type { EmailMessage, EmailPurpose } from './mailer.ts';

/**
 * The emails the hosted flows send: a subject, two paragraphs and at most one code or link, written as text and as
 * a simple HTML rendering of the same content (inline styles only: mail clients drop style sheets). The words are the
 * catalogs' `email.{purpose}.*` in the locale of the request that sent the email; placeholders `{tenant}`, `{minutes}`
 * are filled here; the code and the link are set apart so neither is ever in a log line.
 */
interface Template {
  /** Shown after the first paragraph: the code in large type, or a button for the link (`email.{purpose}.link`). */
  readonly action?: 'code' | 'link';
}

const TEMPLATES: Readonly<Record<EmailPurpose, Template>> = {
  'signup-code': { action: 'code' },
  'signup-registered': { action: 'link' },
  'recovery-code': { action: 'code' },
  'recovery-unknown': {},
  'code-locked': {},
  invitation: { action: 'link' },
  'passkey-added': { action: 'link' },
};

export interface MessageInput {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly to: string;
  readonly code?: string;
  readonly link?: string;
  readonly minutes?: number;
  /** The language of the page (codes) or of the admin request (invitations) that sends the email. */
  readonly locale: Locale;
}

function words(input: MessageInput, key: MessageKey): string {
  return t(input.locale, key, { tenant: input.tenantName, minutes: input.minutes ?? 10 });
}

/** Builds one email; a template's code or link must be given. */
export function composeEmail(purpose: EmailPurpose, input: MessageInput): EmailMessage {
  const template = TEMPLATES[purpose];
  const action = template.action;
  if (action === 'code' && !input.code) throw new Error(`${purpose} needs a code`);
  if (action === 'link' && !input.link) throw new Error(`${purpose} needs a link`);
  const [first = '', ...rest] = (['p1', 'p2'] as const).map((p) => words(input, `email.${purpose}.${p}`));
  const label = action === 'link' ? words(input, `email.${purpose}.link` as MessageKey) : '';

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
  const html = `<!doctype html><html lang="${input.locale}"><body style="margin:0;padding:24px;background:#f4f6fb;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#14171f"><div style="max-width:480px;margin:0 auto;background:#ffffff;border:1px solid #d7dce6;border-radius:12px;padding:24px"><p style="margin:0 0 8px;color:#5b6475;font-weight:600">${escapeHtml(input.tenantName)}</p>${p(escapeHtml(first))}${htmlAction}${rest.map((r) => p(escapeHtml(r))).join('')}</div></body></html>`;
  return {
    tenantId: input.tenantId,
    to: input.to,
    subject: words(input, `email.${purpose}.subject`),
    text,
    html,
    purpose,
  };
}
