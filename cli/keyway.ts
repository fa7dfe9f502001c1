/**
 * Entry of the `keyway` CLI (`npx tsx cli/keyway.ts ...`, `npm run keyway -- ...`, or the `keyway` bin through
 * cli/keyway.mjs). All behaviour is in run.ts, so tests run it in-process; this file only binds it to the process.
 */
import { run } from './run.ts';

process.exitCode = await run(process.argv.slice(2), process.env, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
