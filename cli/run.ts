import { randomUUID } from 'node:crypto';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Command, commands, type Flag, LIST_FLAGS, type Method, pathTemplate } from './commands.ts';
import { INIT_OPTIONS, INIT_USAGE, InitUsageError, runInit } from './init.ts';

/** Where the CLI writes; strings carry their own newlines. A parameter so tests run the CLI in-process. */
export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_BASE_URL = 'http://localhost:3000';

/** Exit codes: 0 the server said yes, 1 it said no (or could not be reached), 2 the command line is wrong. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type RawValue = string | boolean | (string | boolean)[];

const GLOBAL_OPTIONS: Options = {
  'base-url': { type: 'string' },
  key: { type: 'string' },
  'idempotency-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Idempotency keys are the server's (draft-ietf-httpapi-idempotency-key-header); it honours them on these. */
const IDEMPOTENT: ReadonlySet<Method> = new Set(['POST', 'PATCH']);

const flagsOf = (command: Command): readonly Flag[] =>
  command.list ? [...command.flags, ...LIST_FLAGS] : command.flags;

function optionsOf(flags: readonly Flag[]): Options {
  return Object.fromEntries(
    flags.map((f) => [
      f.name,
      f.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: f.kind === 'repeat' },
    ]),
  );
}

/**
 * Runs one command line (without `node` and the script) and returns the exit code. Prints the response JSON on
 * stdout, or a non-2xx body (problem details) on stderr.
 */
/**
 * Ids are base64url, so a client id, a passkey id or a secret may start with `-`; parseArgs would read `-abc` as
 * short options. Only `-h` is one: any other word starting with a single `-` is escaped to a positional (or a
 * flag's value) here and restored by `unescapeArg`.
 */
const ESCAPE = '\u0000';
function escapeArgs(argv: readonly string[]): string[] {
  return argv.map((a) => (/^-[^-]/.test(a) && a !== '-h' ? `${ESCAPE}${a}` : a));
}
function unescapeArg<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith(ESCAPE) ? value.slice(ESCAPE.length) : value) as T;
  if (Array.isArray(value)) return value.map(unescapeArg) as T;
  return value;
}

/** `cwd`: where `init` finds its env file (a parameter so tests run it in a directory of their own). */
export async function run(rawArgv: string[], env: Env, io: Io, cwd = process.cwd()): Promise<number> {
  const argv = escapeArgs(rawArgv);
  // First pass, lenient: find the command words among the options of any command. The second pass (runCommand)
  // is strict, with exactly the options of the command found.
  const loose = parseArgs({
    args: argv,
    options: { ...GLOBAL_OPTIONS, ...optionsOf(commands.flatMap(flagsOf)), ...INIT_OPTIONS },
    allowPositionals: true,
    strict: false,
  });
  const [resource, action] = loose.positionals;
  if (loose.values.help === true) {
    io.stdout(usage(resource));
    return EXIT_OK;
  }
  try {
    if (resource === undefined) throw new UsageError('missing command');
    // Not an admin call: it registers a client at the issuer (cli/init.ts).
    if (resource === 'init') return await runInit(argv, env, io, { unescapeArg, cwd });
    return await runCommand(findCommand(resource, action), argv, env, io);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof InitUsageError)) throw error;
    io.stderr(`keyway: ${error.message}\n\n${usage(resource)}`);
    return EXIT_USAGE;
  }
}

async function runCommand(command: Command, argv: string[], env: Env, io: Io): Promise<number> {
  const words = command.action === undefined ? 1 : 2;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...optionsOf(flagsOf(command)) },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = Object.fromEntries(
    Object.entries(parsed.values).map(([name, value]) => [name, unescapeArg(value)]),
  ) as Record<string, RawValue | undefined>;
  const request = buildRequest(command, parsed.positionals.slice(words).map(unescapeArg), values);

  const baseUrl = (str(values['base-url']) ?? nonEmpty(env.KEYWAY_BASE_URL) ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  // A public endpoint gets no key: it needs none, so none is handed to it.
  const key = command.public
    ? undefined
    : (str(values.key) ?? nonEmpty(env.KEYWAY_API_KEY) ?? nonEmpty(env.KEYWAY_ADMIN_KEY));
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (key !== undefined) headers.Authorization = `Bearer ${key}`;
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  // A fresh key by default: the server then replays rather than repeats if this exact request is sent again, and
  // the key is printed when the outcome is unknown (network error) so the user can re-run with it.
  if (IDEMPOTENT.has(command.method)) headers['Idempotency-Key'] = str(values['idempotency-key']) ?? randomUUID();
  const send = (query: URLSearchParams) =>
    call(`${baseUrl}${request.path}${query.size > 0 ? `?${query}` : ''}`, {
      method: command.method,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });

  if (values.all !== true) {
    const answer = await send(request.query);
    if (!answer.ok) return failed(answer, io, headers['Idempotency-Key']);
    if (answer.text !== '') io.stdout(pretty(answer.text));
    return EXIT_OK;
  }

  // --all: follow next_cursor from wherever --cursor starts, until the server says null.
  const items: unknown[] = [];
  const query = new URLSearchParams(request.query);
  for (;;) {
    const answer = await send(query);
    if (!answer.ok) return failed(answer, io, undefined);
    const page = parseJson(answer.text) as { items?: unknown; next_cursor?: unknown } | undefined;
    if (!page || !Array.isArray(page.items)) {
      io.stderr(`keyway: not a list response:\n${answer.text}\n`);
      return EXIT_FAILED;
    }
    items.push(...page.items);
    if (typeof page.next_cursor !== 'string') break;
    query.set('cursor', page.next_cursor);
  }
  io.stdout(`${JSON.stringify({ items }, null, 2)}\n`);
  return EXIT_OK;
}

function findCommand(resource: string, action: string | undefined): Command {
  const ofResource = commands.filter((c) => c.resource === resource);
  if (ofResource.length === 0) throw new UsageError(`unknown command '${resource}'`);
  const command = ofResource.find((c) => c.action === undefined || c.action === action);
  if (!command)
    throw new UsageError(
      action === undefined ? `missing action for '${resource}'` : `unknown command '${resource} ${action}'`,
    );
  return command;
}

interface HttpRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body?: Record<string, unknown>;
}

/** Arguments to path, query and body, as the command's table entry says. Only given flags reach the body. */
function buildRequest(command: Command, given: readonly string[], values: Record<string, RawValue | undefined>) {
  const extra = given[command.positionals.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const args: Record<string, string> = {};
  command.positionals.forEach((p, i) => {
    const value = given[i];
    if (value !== undefined) args[p.name] = value;
    else if (!p.optional) throw new UsageError(`missing <${p.name}>`);
  });

  const flags: Record<string, unknown> = {};
  for (const flag of flagsOf(command)) {
    const raw = values[flag.name];
    if (raw !== undefined) flags[flag.name] = convert(flag, raw);
    else if (flag.required) throw new UsageError(`missing --${flag.name}`);
  }

  const template = pathTemplate(command, flags);
  const inPath = new Set<string>();
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = args[name];
    if (value === undefined) throw new UsageError(`missing <${name}>`);
    inPath.add(name);
    return encodeURIComponent(value);
  });

  const body: Record<string, unknown> = {};
  for (const p of command.positionals) {
    const value = args[p.name];
    if (value === undefined) continue;
    if (p.body !== undefined) body[p.body] = value;
    else if (!inPath.has(p.name)) throw new UsageError(`unexpected argument '${value}'`);
  }
  const query = new URLSearchParams();
  const merged: Record<string, unknown>[] = [];
  for (const flag of flagsOf(command)) {
    const value = flags[flag.name];
    if (value === undefined) continue;
    if (flag.body !== undefined) body[flag.body] = value;
    if (flag.query !== undefined) query.set(flag.query, String(value));
    if (flag.merge) merged.push(value as Record<string, unknown>);
  }
  Object.assign(body, ...merged, command.fixedBody);
  const request: HttpRequest = { path, query, ...(IDEMPOTENT.has(command.method) ? { body } : {}) };
  return request;
}

/** Parsing, not validation: what the value means is the server's to judge. */
function convert(flag: Flag, raw: RawValue): unknown {
  const text = Array.isArray(raw) ? raw.map(String) : String(raw);
  switch (flag.kind) {
    case 'boolean':
      return flag.sets ?? true;
    case 'repeat':
      return Array.isArray(text) ? text : [text];
    case 'list':
      return String(text)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'number': {
      const n = Number(text);
      if (String(text).trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag.name}: not a number`);
      return n;
    }
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(String(text));
      } catch (error) {
        throw new UsageError(`--${flag.name}: not JSON (${error instanceof Error ? error.message : error})`);
      }
      if (flag.merge && (typeof value !== 'object' || value === null || Array.isArray(value)))
        throw new UsageError(`--${flag.name}: a JSON object, merged into the request body`);
      return value;
    }
    case 'string':
      return String(text);
  }
}

interface Answer {
  readonly ok: boolean;
  readonly status: number;
  readonly text: string;
  /** Set when the server could not be reached: the message to print. */
  readonly unreachable?: string;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  try {
    const res = await fetch(url, init);
    return { ok: res.ok, status: res.status, text: await res.text() };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, status: 0, text: '', unreachable: `${init.method} ${url}: ${message}${cause}` };
  }
}

/** The server's answer on stderr, as it sent it (pretty when JSON): the CLI adds no interpretation of its own. */
function failed(answer: Answer, io: Io, idempotencyKey: string | undefined): number {
  if (answer.unreachable !== undefined) {
    const retry =
      idempotencyKey === undefined
        ? ''
        : `\nThe outcome is unknown. To retry safely, re-run with --idempotency-key ${idempotencyKey}`;
    io.stderr(`keyway: cannot reach the server: ${answer.unreachable}${retry}\n`);
  } else if (parseJson(answer.text) !== undefined) io.stderr(pretty(answer.text));
  else io.stderr(`keyway: HTTP ${answer.status}${answer.text ? `\n${answer.text}` : ''}\n`);
  return EXIT_FAILED;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const pretty = (text: string): string => {
  const value = parseJson(text);
  return value === undefined ? `${text}\n` : `${JSON.stringify(value, null, 2)}\n`;
};

const str = (v: RawValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

function commandLine(c: Command): string {
  const args = c.positionals.map((p) => (p.optional ? `[<${p.name}>]` : `<${p.name}>`));
  const flags = c.flags.map((f) => {
    const text = f.kind === 'boolean' ? `--${f.name}` : `--${f.name} ${f.value ?? 'V'}`;
    return f.required ? text : `[${text}]`;
  });
  return ['keyway', c.resource, c.action, ...args, ...flags, c.list ? '[paging]' : undefined]
    .filter((w) => w !== undefined)
    .join(' ');
}

/** Every command on one line (only the resource's, when it names a known one), then the shared options. */
export function usage(resource?: string): string {
  const known = commands.some((c) => c.resource === resource);
  const lines = commands.filter((c) => !known || c.resource === resource).map((c) => `  ${commandLine(c)}`);
  if (resource === 'init') lines.splice(0, lines.length, `  ${INIT_USAGE}`);
  else if (!known) lines.push(`  ${INIT_USAGE}`);
  return `Usage: keyway [options] <resource> <action> [args]

${lines.join('\n')}

Options:
  --base-url URL         admin API base URL (env KEYWAY_BASE_URL, default ${DEFAULT_BASE_URL})
  --key KEY              sent as Bearer (env KEYWAY_API_KEY, else KEYWAY_ADMIN_KEY); not to openapi (public)
  --idempotency-key K    Idempotency-Key of a POST/PATCH; default a fresh UUID per run, printed when the server
                         cannot be reached: re-run with it and the server replays instead of repeating
  paging                 --limit N, --cursor C, or --all (follows next_cursor, prints {"items": [...]})
  -h, --help             this text

Prints the response JSON on stdout (exit 0); an error response's problem details on stderr (exit 1);
a usage error exits 2. init registers a development client at the issuer (RFC 7591) with an initial access
token (--registration-token, env KEYWAY_REGISTRATION_TOKEN) and writes KEYWAY_* lines into the env file
(mode 0600); run again, it creates nothing while that client is still registered (RFC 7592 read).
`;
}
