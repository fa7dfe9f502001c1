import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_SETTINGS, REPO_ROOT } from '../../lib/keyway-function.ts';
import { symbolicate } from '../../scripts/symbolicate-stack.ts';

/**
 * The functions run without --enable-source-maps; a logged stack is mapped offline with the source map that ships
 * beside the bundle. Built the way lib/keyway-function.ts builds (minified, external map without sources content),
 * run without source maps like a function, its stack must map back to the TypeScript line that threw.
 */
const dir = mkdtempSync(join(tmpdir(), 'keyway-symbolicate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURE = [
  'export function refuse(reason: string): never {',
  "  const detail = 'refused: ' + reason;",
  '  throw new Error(detail);',
  '}',
  'try {',
  "  refuse('test');",
  '} catch (error) {',
  '  process.stdout.write((error as Error).stack ?? "");',
  '}',
].join('\n');

describe('scripts/symbolicate-stack.ts', () => {
  it('maps a minified bundle position in a logged stack to the source line, and leaves other text alone', async () => {
    // Prepare
    const outfile = join(dir, 'index.mjs');
    await build({
      stdin: { contents: FIXTURE, sourcefile: 'fixture/refuse.ts', resolveDir: REPO_ROOT, loader: 'ts' },
      outfile,
      bundle: true,
      platform: 'node',
      format: BUNDLE_SETTINGS.format,
      target: BUNDLE_SETTINGS.target,
      banner: { js: BUNDLE_SETTINGS.banner },
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      logLevel: 'silent',
    });
    const stack = execFileSync(process.execPath, [outfile], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(stack).toMatch(/index\.mjs:\d+:\d+/);
    const logLine = JSON.stringify({ level: 'ERROR', message: 'unhandled error', error: { stack } });
    // Act
    const mapped = symbolicate(logLine, JSON.parse(readFileSync(`${outfile}.map`, 'utf8')));
    // Assess
    expect(mapped).toContain('fixture/refuse.ts:3:');
    expect(mapped).toContain('fixture/refuse.ts:6:');
    expect(mapped).not.toMatch(/index\.mjs:\d+:\d+/);
    expect(mapped.startsWith('{"level":"ERROR","message":"unhandled error"')).toBe(true);
  });
});
