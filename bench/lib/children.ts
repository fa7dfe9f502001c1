import { type ChildProcess, fork, type StdioOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * Every process the bench starts is registered here, so it is stopped on success, on error and on Ctrl-C:
 * servers, autocannon workers, measurement children, and (through a cleanup) the DynamoDB Local JVM.
 */
const live = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;

/** True once Ctrl-C / SIGTERM was received: failures after that are the shutdown, not the bench. */
export function wasInterrupted(): boolean {
  return interrupted;
}

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

const foreignPids = new Set<number>();

/** A process started by a library (DynamoDB Local's JVM): SIGKILLed at exit if it is still running. */
export function trackPid(pid: number): void {
  foreignPids.add(pid);
}

export function untrackPid(pid: number): void {
  foreignPids.delete(pid);
}

/** Runs at shutdown in reverse order of registration (e.g. stopping DynamoDB Local). */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every child (SIGTERM, SIGKILL after a grace period) and runs the cleanups. Idempotent. */
export function cleanupAll(graceMs = 3000): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...live].map((c) => stopChild(c, graceMs)));
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  })();
  return cleaning;
}

/** Ctrl-C / SIGTERM: clean up, then exit; a last-resort SIGKILL of whatever is left when the process exits. */
export function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping every process the bench started…`);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onCrash = (error: unknown) => {
    console.error(`bench crashed: ${(error as Error)?.stack ?? error}`);
    void cleanupAll().finally(() => process.exit(2));
  };
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const pid of foreignPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Forks a TypeScript module (run through tsx) with an IPC channel; stdout is discarded unless asked for. */
export function forkTs(
  file: string,
  options: {
    args?: string[];
    env?: NodeJS.ProcessEnv;
    stdout?: 'ignore' | 'pipe' | 'inherit';
    execArgv?: string[];
  } = {},
): ChildProcess {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'ignore', 'pipe', 'ipc'];
  const child = fork(file, options.args ?? [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio,
  });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  (child as ChildProcess & { stderrTail: () => string }).stderrTail = () => stderr;
  return child;
}

export function stderrTail(child: ChildProcess): string {
  return (child as ChildProcess & { stderrTail?: () => string }).stderrTail?.() ?? '';
}

interface Message {
  type: string;
  id?: string;
  error?: string;
  [key: string]: unknown;
}

/**
 * Listens to the child until `pick` settles on a message (a value, or an error to fail with); fails if the child
 * exits first or nothing comes within `timeoutMs`.
 */
function listen<T>(
  child: ChildProcess,
  what: string,
  timeoutMs: number,
  pick: (m: Message) => { error: Error } | { value: T } | undefined,
): Promise<T> {
  return new Promise<T>((res, rej) => {
    const timer = setTimeout(() => done({ error: new Error(`nothing for ${what} within ${timeoutMs} ms`) }), timeoutMs);
    const onMessage = (m: Message) => {
      const outcome = pick(m);
      if (outcome) done(outcome);
    };
    const onExit = (code: number | null) =>
      done({ error: new Error(`child exited (${code}) before ${what}:\n${stderrTail(child)}`) });
    function done(outcome: { error: Error } | { value: T }) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if ('error' in outcome) rej(outcome.error);
      else res(outcome.value);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Waits for the first message of `type` from the child; fails if it exits first. */
export function waitForMessage<T>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T> {
  return listen<T>(child, `"${type}"`, timeoutMs, (m) => {
    if (m.type === 'fatal') return { error: new Error(`child failed: ${m.error}`) };
    return m.type === type ? { value: m as T } : undefined;
  });
}

/** Request/response over IPC: sends `{ ...message, id }` and resolves with the reply carrying the same id. */
export function ipcRequest<T>(child: ChildProcess, message: Message, timeoutMs = 120_000): Promise<T> {
  const id = randomUUID();
  const reply = listen<T>(child, `the reply to "${message.type}"`, timeoutMs, (m) => {
    if (m.id !== id) return undefined;
    return m.error ? { error: new Error(`${message.type}: ${m.error}`) } : { value: m as T };
  });
  child.send({ ...message, id });
  return reply;
}

/** Child side: answers requests from the parent; the handler's result is merged into the reply. */
export function serveIpc(handlers: Record<string, (message: Message) => Promise<Record<string, unknown>>>): void {
  process.on('message', (m: Message) => {
    const handler = handlers[m.type];
    if (!handler || !m.id) return;
    handler(m).then(
      (reply) => process.send?.({ ...reply, type: `${m.type}:reply`, id: m.id }),
      (error: Error) => process.send?.({ type: `${m.type}:reply`, id: m.id, error: error.message }),
    );
  });
}

/** Child side: CPU time of this whole process (all threads), for the parent's per-phase accounting. */
export function cpuHandler(): Promise<Record<string, unknown>> {
  const { user, system } = process.cpuUsage();
  return Promise.resolve({ user, system });
}

/** Child side: exit when the parent goes away, whatever the reason (no orphans). */
export function exitWithParent(stop: () => Promise<void> = async () => undefined): void {
  let stopping = false;
  const bye = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.on('disconnect', bye);
  process.on('SIGTERM', bye);
  process.on('SIGINT', bye);
}

/** Child side: V8 CPU profiling on demand (`profileStart`, then `profileStop` with the file to write). */
export function profilerHandlers(): Record<string, (message: Message) => Promise<Record<string, unknown>>> {
  const session = new Session();
  session.connect();
  return {
    profileStart: async () => {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return {};
    },
    profileStop: async (m) => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(m.file as string, JSON.stringify(profile));
      return { file: m.file };
    },
  };
}
