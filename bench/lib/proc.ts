import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a whole process (all threads), in microseconds, from /proc (Linux only). */
export function procCpuMicros(pid: number): number | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  // proc(5): utime and stime are fields 14 and 15; f[0] is field 3 (state).
  return ((Number(f[11]) + Number(f[12])) * 1e6) / clockTicks();
}

/** A direct child of `parentPid` whose command line contains every string in `match`. */
export function findChildPid(parentPid: number, match: readonly string[]): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (Number(statFields(pid)?.[1]) !== parentPid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (match.every((m) => cmdline.includes(m))) return pid;
    } catch {
      // the process is gone
    }
  }
  return undefined;
}
