import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs `main` when the script at `moduleUrl` was started directly (`npx tsx scripts/x.ts`), not when a test imports
 * it; an error becomes one line on stderr and exit code 1.
 */
export function runIfInvoked(moduleUrl: string, main: () => Promise<void>): void {
  let direct = false;
  try {
    direct = !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(moduleUrl);
  } catch {
    direct = false;
  }
  if (!direct) return;
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
