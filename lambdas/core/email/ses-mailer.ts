import { type MessageTag, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { EmailMessage, Mailer } from './mailer.ts';

export interface SesMailerOptions {
  readonly region: string;
  /** FromEmailAddress: `Name <address>` or a bare address of a verified SES identity (EMAIL_FROM). */
  readonly from: string;
  /** The configuration set whose event destinations see bounces and complaints (EMAIL_CONFIGURATION_SET). */
  readonly configurationSet?: string | undefined;
  /** @default - an SESv2 client for `region` */
  readonly client?: SESv2Client;
}

/** SES allows only these characters in a message tag, and at most 256 of them. */
const TAG_VALUE_LIMIT = 256;

/** A message tag value as SES accepts it: any other character becomes `_`, so a tag never fails a send. */
export function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, TAG_VALUE_LIMIT) || '_';
}

/**
 * The email port in AWS: one SESv2 SendEmail per message, simple content (SES builds the MIME). The message is
 * tagged with its purpose and tenant, which the configuration set's event destinations (bounces, complaints) carry
 * along. Nothing here logs: subject and bodies hold one-time codes and links.
 */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly from: string;
  private readonly configurationSet: string | undefined;

  constructor(options: SesMailerOptions) {
    this.client = options.client ?? new SESv2Client({ region: options.region });
    this.from = options.from;
    this.configurationSet = options.configurationSet;
  }

  async send(message: EmailMessage): Promise<void> {
    const tags: MessageTag[] = [
      { Name: 'purpose', Value: tagValue(message.purpose) },
      { Name: 'tenant', Value: tagValue(message.tenantId) },
    ];
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
          },
        },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        EmailTags: tags,
      }),
    );
  }
}
