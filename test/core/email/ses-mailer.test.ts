import { MessageRejected, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmailMessage } from '../../../lambdas/core/email/mailer.ts';
import { SesMailer, tagValue } from '../../../lambdas/core/email/ses-mailer.ts';

/** SESv2 is mocked: these tests pin what SesMailer asks SES to send, and that SES's refusal reaches the caller. */

const ses = mockClient(SESv2Client);
beforeEach(() => ses.reset());

const message: EmailMessage = {
  tenantId: 'acme-corp',
  to: 'ada@example.org',
  subject: 'Your Acme sign-up code',
  text: 'Your code is 123456.',
  html: '<p>Your code is <b>123456</b>.</p>',
  purpose: 'signup-code',
};

const mailer = (configurationSet?: string) =>
  new SesMailer({
    region: 'eu-west-1',
    from: 'Keyway <no-reply@example.com>',
    configurationSet,
    client: new SESv2Client({ region: 'eu-west-1' }),
  });

describe('SesMailer', () => {
  it('sends one SESv2 SendEmail: the sender, the one recipient, UTF-8 subject, text and HTML, the configuration set, purpose and tenant tags', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    // Act
    await mailer('keyway').send(message);
    // Assess
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      FromEmailAddress: 'Keyway <no-reply@example.com>',
      Destination: { ToAddresses: ['ada@example.org'] },
      Content: {
        Simple: {
          Subject: { Data: 'Your Acme sign-up code', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Your code is 123456.', Charset: 'UTF-8' },
            Html: { Data: '<p>Your code is <b>123456</b>.</p>', Charset: 'UTF-8' },
          },
        },
      },
      ConfigurationSetName: 'keyway',
      EmailTags: [
        { Name: 'purpose', Value: 'signup-code' },
        { Name: 'tenant', Value: 'acme-corp' },
      ],
    });
  });

  it('leaves ConfigurationSetName out when none is configured (SES then applies the identity default, if any)', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    await mailer().send(message);
    expect('ConfigurationSetName' in ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toBe(false);
  });

  it('rejects with the SES error when SES refuses the message, so the caller can answer and log it', async () => {
    // Prepare
    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: { httpStatusCode: 400 } }));
    // Act + Assess
    await expect(mailer('keyway').send(message)).rejects.toBeInstanceOf(MessageRejected);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('writes nothing to the logs, on success or failure: subject and bodies carry one-time codes and links', async () => {
    // Prepare
    const written: unknown[] = [];
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(chunk) > 0),
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(chunk) > 0),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
        vi.spyOn(console, level).mockImplementation((...args) => void written.push(args)),
      ),
    ];
    ses.on(SendEmailCommand).resolvesOnce({ MessageId: 'm-3' }).rejectsOnce(new Error('throttled'));
    // Act
    try {
      await mailer('keyway').send(message);
      await mailer('keyway')
        .send(message)
        .catch(() => undefined);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Assess
    expect(written).toEqual([]);
  });
});

describe('message tag values', () => {
  it.each([
    ['signup-code', 'signup-code'],
    ['acme_corp-2', 'acme_corp-2'],
    ['a.b c/d@é', 'a_b_c_d__'],
    ['', '_'],
  ])('keeps only [A-Za-z0-9_-] of %j: %j', (value, tag) => {
    expect(tagValue(value)).toBe(tag);
  });

  it('cuts a value to the 256 characters SES allows', () => {
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
  });
});
