/**
 * Maps a stack trace logged by a Keyway function back to the TypeScript sources, offline:
 *
 *   npx tsx scripts/symbolicate-stack.ts cdk.out/asset.<hash>/ < stack.txt
 *   npx tsx scripts/symbolicate-stack.ts path/to/index.mjs.map stack.txt
 *
 * The functions run without --enable-source-maps (it slowed every cold start; lib/keyway-function.ts), so a logged
 * stack points into the minified bundle: `file:///var/task/index.mjs:1:48213`. The source map is built with the
 * bundle and ships beside it in the function's asset (cdk.out/asset.<hash>/index.mjs.map after `cdk synth`, or
 * in the code package from `aws lambda get-function`); this replaces each bundle position with
 * `source:line:column`. The rest of the text (a whole JSON log line, say) passes through.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A position in the bundle however the runtime prints its path: file:///var/task/index.mjs:1:2, /var/task/index.mjs:1:2. */
const BUNDLE_POSITION = /(?:file:\/\/)?[^\s()"'\\]*index\.mjs:(\d+):(\d+)/g;

export function symbolicate(stack: string, map: SourceMapPayload): string {
  const sourceMap = new SourceMap(map);
  return stack.replace(BUNDLE_POSITION, (whole, line: string, column: string) => {
    const origin = sourceMap.findOrigin(Number(line), Number(column));
    if (!('fileName' in origin)) return whole;
    // Sources are relative to the map's directory (cdk.out/asset.<hash>/): drop the leading ../ to get repository paths.
    const source = origin.fileName.replace(/^(\.\.\/)+/, '');
    return `${source}:${origin.lineNumber}:${origin.columnNumber}`;
  });
}

function main(args: string[]): void {
  const [mapArg, stackFile] = args;
  if (!mapArg) {
    console.error('usage: npx tsx scripts/symbolicate-stack.ts <index.mjs.map | asset directory> [stack file]');
    process.exit(2);
  }
  const mapFile = statSync(mapArg).isDirectory() ? join(mapArg, 'index.mjs.map') : mapArg;
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload;
  const stack = readFileSync(stackFile ?? 0, 'utf8');
  process.stdout.write(symbolicate(stack, map));
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
