import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { EmailMessage, Mailer } from '../lambdas/core/email/mailer.ts';
import { DEFAULT_CSP, SECURITY_HEADERS } from '../lambdas/core/http/handler.ts';
import { contentSecurityPolicy, escapeHtml } from '../lambdas/core/http/page-shell.ts';

/** A message as the dev mailbox keeps it. */
export interface StoredMessage extends EmailMessage {
  readonly id: string;
  /** ISO 8601. */
  readonly sentAt: string;
}

/** Newest messages kept in memory (and shown); the files in DATA_DIR/mail keep everything. */
const KEEP = 500;

/**
 * Local mode's email adapter: every message is kept (in DATA_DIR/mail as one JSON file each, or in memory with
 * ':memory:'), announced in one log line with its link, and shown at `{BASE_URL}/_dev/mail` — an HTML list, or JSON
 * with `?format=json` (filter with `?to=`). Only local mode serves it; no route of the stacks leads here.
 */
export class DevMailbox implements Mailer {
  private readonly messages: StoredMessage[] = [];

  private constructor(
    private readonly baseUrl: string,
    private readonly dir: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  static async open(options: {
    baseUrl: string;
    dataDir: string | undefined;
    log?: ((line: string) => void) | undefined;
  }): Promise<DevMailbox> {
    const dir = options.dataDir ? join(options.dataDir, 'mail') : undefined;
    const box = new DevMailbox(options.baseUrl, dir, options.log ?? ((line) => console.log(line)));
    if (dir) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
      for (const file of files.slice(-KEEP))
        box.messages.push(JSON.parse(await readFile(join(dir, file), 'utf8')) as StoredMessage);
    }
    return box;
  }

  async send(message: EmailMessage): Promise<void> {
    const sentAt = new Date().toISOString();
    const stored: StoredMessage = { ...message, id: `${sentAt.replace(/[-:.]/g, '')}-${randomUUID()}`, sentAt };
    if (this.dir) await writeFile(join(this.dir, `${stored.id}.json`), JSON.stringify(stored), { mode: 0o600 });
    this.messages.push(stored);
    if (this.messages.length > KEEP) this.messages.shift();
    this.log(`Mail to ${message.to}: "${message.subject}" — ${this.baseUrl}/_dev/mail/${stored.id}`);
  }

  /** Newest first, optionally only those to one address. */
  list(to?: string): StoredMessage[] {
    const all = [...this.messages].reverse();
    return to ? all.filter((m) => m.to === to.toLowerCase()) : all;
  }

  /** Answers `/_dev/mail` and `/_dev/mail/{id}`; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== '/_dev/mail' && !url.pathname.startsWith('/_dev/mail/')) return false;
    const send = (status: number, type: string, body: string, csp = DEFAULT_CSP) => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': type });
      res.end(body);
    };
    // Codes are in here: only a loopback name may read it (a DNS-rebinding page, or HOST=0.0.0.0 on a LAN, may not).
    if (!/^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?$/i.test(req.headers.host ?? '')) {
      send(403, 'text/plain; charset=utf-8', 'The dev mailbox answers only on a loopback address.');
      return true;
    }
    if (req.method !== 'GET') {
      send(405, 'text/plain; charset=utf-8', 'Only GET');
      return true;
    }
    const id = url.pathname.slice('/_dev/mail/'.length);
    if (url.pathname !== '/_dev/mail') {
      const message = this.messages.find((m) => m.id === id);
      if (!message) send(404, 'text/plain; charset=utf-8', 'No such message');
      // The message's own HTML, as a mail client shows it: no script, no remote content.
      else
        send(200, 'text/html; charset=utf-8', message.html, "default-src 'none'; style-src 'unsafe-inline'; sandbox");
      return true;
    }
    const list = this.list(url.searchParams.get('to') ?? undefined);
    if (url.searchParams.get('format') === 'json') {
      send(200, 'application/json', JSON.stringify({ messages: list }));
      return true;
    }
    const nonce = randomUUID().replaceAll('-', '');
    const rows = list
      .map(
        (m) => `<article><h2><a href="/_dev/mail/${escapeHtml(m.id)}">${escapeHtml(m.subject)}</a></h2>
<p><small>${escapeHtml(m.sentAt)} · to ${escapeHtml(m.to)} · tenant ${escapeHtml(m.tenantId)} · ${escapeHtml(m.purpose)}</small></p>
<pre>${escapeHtml(m.text)}</pre></article>`,
      )
      .join('\n');
    send(
      200,
      'text/html; charset=utf-8',
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Dev mailbox · Keyway local mode</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}article{border-top:1px solid #ccc;padding:.5rem 0}pre{white-space:pre-wrap}</style></head>
<body><h1>Dev mailbox</h1><p>Every email local mode sent (newest first). <a href="/_dev/mail?format=json">JSON</a></p>
${rows || '<p>No messages yet.</p>'}</body></html>`,
      contentSecurityPolicy(nonce),
    );
    return true;
  }
}
