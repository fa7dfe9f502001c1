import type { Page } from 'playwright-core';
import type { LocalKeyway } from '../../local/app.ts';

/** The latest email local mode sent to `to` (the dev mailbox's JSON view), as a person would open it. */
export async function latestMailTo(keyway: LocalKeyway, to: string) {
  const res = await fetch(`${keyway.url}/_dev/mail?format=json&to=${encodeURIComponent(to)}`);
  const { messages } = (await res.json()) as {
    messages: { subject: string; text: string; html: string; purpose: string }[];
  };
  return messages[0];
}

/** The six-digit code of the latest email to `to`. */
export async function codeMailedTo(keyway: LocalKeyway, to: string): Promise<string> {
  const mail = await latestMailTo(keyway, to);
  const code = mail && /^\s+(\d{6})$/m.exec(mail.text)?.[1];
  if (!code) throw new Error(`no code was emailed to ${to} (${mail?.purpose ?? 'no email'})`);
  return code;
}

/** Types the emailed code into the hosted page's code step and continues. */
export async function enterEmailedCode(page: Page, keyway: LocalKeyway, email: string): Promise<void> {
  const field = page.getByLabel('Code from the email');
  await field.waitFor({ timeout: 10_000 });
  await field.fill(await codeMailedTo(keyway, email));
  await page.getByRole('button', { name: 'Continue' }).click();
}

/**
 * The sign-up page as a newcomer fills it: details, the code from the email, then the passkey. Starts on the
 * sign-up page.
 */
export async function signUpOnPage(
  page: Page,
  keyway: LocalKeyway,
  account: { email: string; givenName: string; familyName: string },
): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Given name').fill(account.givenName);
  await page.getByLabel('Family name').fill(account.familyName);
  await page.getByRole('button', { name: 'Continue' }).click();
  await enterEmailedCode(page, keyway, account.email);
  await page.getByRole('button', { name: 'Create passkey' }).click();
}
