import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/*
 * `keyway init`: registers a development client through the issuer's registration endpoint (RFC 7591) and writes what
 * the app needs into an env file. Run again, it asks the client configuration endpoint (RFC 7592) whether the client
 * in the file still exists and registers nothing while it does. Unlike the admin commands it talks to the issuer,
 * not the admin API, with an initial access token, not an API key.
 */

interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}
type Env = Readonly<Record<string, string | undefined>>;

export const INIT_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  issuer: { type: 'string' },
  'registration-token': { type: 'string' },
  origin: { type: 'string' },
  'redirect-path': { type: 'string' },
  confidential: { type: 'boolean' },
  name: { type: 'string' },
  'env-file': { type: 'string' },
};

export const INIT_USAGE =
  'keyway init --issuer URL --origin URL [--registration-token T] [--redirect-path /callback] [--confidential] [--name N] [--env-file .env.local]';

/** The redirect path of a web app's callback unless --redirect-path says otherwise. */
const DEFAULT_REDIRECT_PATH = '/callback';
const DEFAULT_ENV_FILE = '.env.local';

/** What init writes (and, on a new registration, replaces); every other line of the file is kept. */
const KEYS = [
  'KEYWAY_ISSUER',
  'KEYWAY_CLIENT_ID',
  'KEYWAY_CLIENT_SECRET',
  'KEYWAY_REDIRECT_URI',
  'KEYWAY_REGISTRATION_CLIENT_URI',
  'KEYWAY_REGISTRATION_ACCESS_TOKEN',
] as const;
type Key = (typeof KEYS)[number];

export class InitUsageError extends Error {}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** `KEY=value` lines (optionally `export`ed, optionally quoted); comments and anything else are not values. */
export function parseEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    values.set(match[1]!, match[2]!.replace(/^(['"])(.*)\1$/, '$2'));
  }
  return values;
}

/** The file with init's keys set (each in place where it was, new ones appended) or removed (`undefined`). */
export function updateEnv(text: string, values: Readonly<Record<Key, string | undefined>>): string {
  const seen = new Set<string>();
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    const name = line.trimStart().startsWith('#') ? undefined : LINE.exec(line)?.[1];
    if (name === undefined || !(KEYS as readonly string[]).includes(name)) {
      out.push(line);
      continue;
    }
    const value = values[name as Key];
    if (value !== undefined && !seen.has(name)) out.push(`${name}=${value}`);
    seen.add(name);
  }
  for (const name of KEYS) if (!seen.has(name) && values[name] !== undefined) out.push(`${name}=${values[name]}`);
  return `${out.join('\n')}\n`;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Replaces the file in one rename, readable by its owner only (it holds secrets): never half-written. */
async function writeSecretFile(path: string, text: string): Promise<void> {
  // A name nobody can guess, created exclusively: a file (or symlink) planted under it is never written through.
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json?: Record<string, unknown>;
}

/** One request; a server that cannot be reached is status 0 with the reason as the text. */
async function send(url: string, init: RequestInit): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { status: 0, text: `cannot reach ${url}: ${error instanceof Error ? error.message : error}${cause}` };
  }
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {}
  return { status: res.status, text, ...(json ? { json } : {}) };
}

const pretty = (answer: Answer) => (answer.json ? `${JSON.stringify(answer.json, null, 2)}\n` : `${answer.text}\n`);

/**
 * Is the client in the env file still registered? An RFC 7592 §2.1 read with its registration access token: 200 for
 * the same client id is yes; 401 (unknown client or token, §2.1) or 404 is no; anything else is not known (undefined),
 * and init then stops rather than risk a duplicate.
 */
async function stillRegistered(current: Map<string, string>): Promise<boolean | undefined> {
  const uri = current.get('KEYWAY_REGISTRATION_CLIENT_URI');
  const token = current.get('KEYWAY_REGISTRATION_ACCESS_TOKEN');
  if (!uri || !token) return undefined;
  const answer = await send(uri, { headers: { Authorization: `Bearer ${token}` } });
  if (answer.status === 200) return answer.json?.client_id === current.get('KEYWAY_CLIENT_ID');
  if (answer.status === 401 || answer.status === 404) return false;
  return undefined;
}

/** Runs `keyway init` (argv without `node` and the script); 0 done, 1 the server said no, 2 a usage error. */
export async function runInit(
  argv: readonly string[],
  env: Env,
  io: Io,
  options: { readonly unescapeArg?: (value: string) => string; readonly cwd?: string } = {},
): Promise<number> {
  const unescapeArg = options.unescapeArg ?? ((value: string) => value);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: INIT_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InitUsageError(error instanceof Error ? error.message : String(error));
  }
  // cli/run.ts escapes words that start with a single "-" (ids are base64url) so they are not read as options.
  const flags = Object.fromEntries(
    Object.entries(parsed.values).map(([k, v]) => [k, typeof v === 'string' ? unescapeArg(v) : v]),
  ) as Record<string, string | boolean | undefined>;
  const extra = parsed.positionals.slice(1)[0];
  if (extra !== undefined) throw new InitUsageError(`unexpected argument '${extra}'`);
  const text = (name: string) => (typeof flags[name] === 'string' && flags[name] !== '' ? flags[name] : undefined);

  const issuer = (text('issuer') ?? env.KEYWAY_ISSUER)?.replace(/\/+$/, '');
  if (!issuer) throw new InitUsageError('missing --issuer (or KEYWAY_ISSUER)');
  const origin = text('origin');
  if (!origin) throw new InitUsageError('missing --origin');
  let redirectUri: string;
  try {
    if (new URL(origin).origin !== origin.replace(/\/+$/, '')) throw new Error('not an origin');
    redirectUri = new URL(text('redirect-path') ?? DEFAULT_REDIRECT_PATH, origin).toString();
  } catch {
    throw new InitUsageError(`--origin: "${origin}" is not an origin such as http://localhost:3000`);
  }
  const confidential = flags.confidential === true;
  const envFile = resolve(options.cwd ?? process.cwd(), text('env-file') ?? DEFAULT_ENV_FILE);
  const before = (await readText(envFile)) ?? '';
  const current = parseEnv(before);

  const existing = current.get('KEYWAY_CLIENT_ID');
  if (existing) {
    const registered = await stillRegistered(current);
    if (registered === true) {
      io.stdout(`keyway: already registered: client ${existing} in ${envFile}; nothing created.\n`);
      return 0;
    }
    if (registered === undefined) {
      io.stderr(
        `keyway: ${envFile} names client ${existing}, but whether it is still registered cannot be checked (no KEYWAY_REGISTRATION_CLIENT_URI / KEYWAY_REGISTRATION_ACCESS_TOKEN, or the server did not answer). Remove KEYWAY_CLIENT_ID to register a new client.\n`,
      );
      return 1;
    }
    io.stdout(`keyway: client ${existing} in ${envFile} is no longer registered; registering a new one.\n`);
  }

  // The registration endpoint as the issuer advertises it (RFC 8414 §2).
  const discovery = await send(`${issuer}/.well-known/openid-configuration`, {});
  const endpoint = discovery.json?.registration_endpoint;
  if (discovery.status !== 200 || typeof endpoint !== 'string') {
    io.stderr(
      `keyway: ${issuer} advertises no registration_endpoint (HTTP ${discovery.status}).\n${pretty(discovery)}`,
    );
    return 1;
  }
  // RFC 8414 §3.3: the document must be the issuer's own, and the token goes nowhere else (nor in clear text but to
  // this machine).
  if (discovery.json?.issuer !== issuer || new URL(endpoint).origin !== new URL(issuer).origin) {
    io.stderr(`keyway: the discovery document of ${issuer} names another issuer or registration host; nothing sent.\n`);
    return 1;
  }
  if (new URL(endpoint).protocol !== 'https:' && !LOOPBACK.has(new URL(endpoint).hostname)) {
    io.stderr(`keyway: ${endpoint} is not https; the registration token is sent only over https (or to localhost).\n`);
    return 1;
  }
  const token = text('registration-token') ?? env.KEYWAY_REGISTRATION_TOKEN;
  const answer = await send(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({
      client_name: text('name') ?? 'Development client',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    }),
  });
  const client = answer.json;
  if (answer.status !== 201 || typeof client?.client_id !== 'string') {
    io.stderr(pretty(answer));
    return 1;
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  await writeSecretFile(
    envFile,
    updateEnv(before, {
      KEYWAY_ISSUER: issuer,
      KEYWAY_CLIENT_ID: client.client_id,
      KEYWAY_CLIENT_SECRET: confidential ? str(client.client_secret) : undefined,
      KEYWAY_REDIRECT_URI: redirectUri,
      KEYWAY_REGISTRATION_CLIENT_URI: str(client.registration_client_uri),
      KEYWAY_REGISTRATION_ACCESS_TOKEN: str(client.registration_access_token),
    }),
  );
  io.stdout(`keyway: registered client ${client.client_id} (redirect URI ${redirectUri}); wrote ${envFile}.\n`);
  return 0;
}
