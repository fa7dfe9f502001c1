import { readFile } from 'node:fs/promises';

/** A V8 .cpuprofile (what `node --cpu-prof` writes). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  readonly name: string;
  /** Samples in this owner's own code. */
  readonly selfPercent: number;
  /** Samples with this owner anywhere on the stack (what it and everything it calls cost). */
  readonly inclusivePercent: number;
}

/** Who a frame belongs to: an npm package, a Keyway directory, Node's internals, or V8 (GC, idle, program). */
function owner(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg && /^(@aws-sdk\/|@smithy\/|@aws-crypto\/)/.test(pkg[1]!)) return 'AWS SDK v3 (@aws-sdk/*, @smithy/*)';
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const keyway = /\/(lambdas\/[^/]+(?:\/[^/]+)?|local|bench)\//.exec(url);
  return keyway ? keyway[1]! : url;
}

/**
 * CPU profile grouped by owner, as percentages of the non-idle samples, largest self time first; and the busy
 * (non-idle) time those samples cover, in ms. The V8 profiler samples the JavaScript thread only: work on libuv's
 * thread pool (WebCrypto signatures, say) is in neither.
 */
export async function summarizeProfile(file: string, top = 16): Promise<{ shares: ProfileShare[]; busyMs: number }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerOf = (id: number) => {
    const f = byNode.get(id)!.callFrame;
    return owner(f.url, f.functionName);
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  /** V8 builtins and native functions (no script URL) are charged to the JS code that called them. */
  const attributed = (id: number) => {
    let n: number | undefined = id;
    while (n !== undefined && ownerOf(n) === '(native)') n = parent.get(n);
    return n === undefined ? '(native)' : ownerOf(n);
  };
  profile.samples.forEach((id, i) => {
    if (!byNode.has(id)) return;
    const name = attributed(id);
    if (name === '(idle)') return;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) onStack.add(attributed(n));
    for (const o of onStack) inclusive.set(o, (inclusive.get(o) ?? 0) + dt);
  });
  const shares = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, t]) => ({
      name,
      selfPercent: (100 * t) / busy,
      inclusivePercent: (100 * (inclusive.get(name) ?? t)) / busy,
    }));
  // timeDeltas are microseconds.
  return { shares, busyMs: busy / 1000 };
}
