import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Route, routes } from '../../lambdas/routes.ts';
import { BUNDLE_SETTINGS, REPO_ROOT } from '../../lib/keyway-function.ts';

/**
 * Every Lambda bundle, built with the esbuild options NodejsFunction passes (lib/keyway-function.ts): bundle,
 * platform node, ESM, target node22, minified, main fields, banner, externals and tsconfig from BUNDLE_SETTINGS,
 * external source maps without sources content. Built in memory; nothing is written.
 *
 * The check: the AWS SDK clients in each bundle are exactly those its access needs. The SDK is bundled
 * (BUNDLE_SETTINGS.external is empty), so a client shows up as files under node_modules/@aws-sdk/client-* that
 * contribute bytes to the output; should the SDK ever be made external, it shows up as an external import of the
 * output instead, and both are read.
 */

const TABLE_CLIENTS = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'];
const KMS_CLIENTS = ['@aws-sdk/client-kms'];

interface BundledFunction {
  readonly id: string;
  readonly entry: string;
  /** The SDK client packages (`@aws-sdk/client-*`, `@aws-sdk/lib-*`) the function needs, sorted. */
  readonly clients: readonly string[];
}

/** What a route's `access` needs: the table through the document client, KMS to sign or read public keys. */
function routeClients(access: Route['access']): string[] {
  return [
    ...(access.table !== 'none' ? TABLE_CLIENTS : []),
    ...(access.sign || access.publicKeys ? KMS_CLIENTS : []),
  ].sort();
}

const FUNCTIONS: readonly BundledFunction[] = [
  ...routes.map((route) => ({ id: route.id, entry: route.entry, clients: routeClients(route.access) })),
  // lib/tenant-authorizer.ts: one GetItem with the low-level client (no document client).
  { id: 'tenant-authorizer', entry: 'lambdas/authorizer/handler.ts', clients: ['@aws-sdk/client-dynamodb'] },
  // lib/api-key-provisioner.ts: API Gateway keys and usage plans, plus GetItem/UpdateItem on the tenant item.
  {
    id: 'usage-plan-provisioner',
    entry: 'lambdas/usage-plan-provisioner/handler.ts',
    clients: ['@aws-sdk/client-api-gateway', '@aws-sdk/client-dynamodb'],
  },
];

const OUT_FILE = join(REPO_ROOT, 'cdk.out', 'bundle-test', 'index.mjs');

interface Bundle {
  readonly metafile: Metafile;
  readonly code: Uint8Array;
}

async function bundle(entry: string): Promise<Bundle> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, entry)],
    outfile: OUT_FILE,
    write: false,
    metafile: true,
    logLevel: 'silent',
    bundle: true,
    platform: 'node',
    format: BUNDLE_SETTINGS.format,
    target: BUNDLE_SETTINGS.target,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    banner: { js: BUNDLE_SETTINGS.banner },
    external: [...BUNDLE_SETTINGS.external],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
  });
  const code = result.outputFiles.find((f) => f.path === OUT_FILE);
  if (!code) throw new Error(`esbuild produced no ${OUT_FILE} for ${entry}`);
  return { metafile: result.metafile, code: code.contents };
}

/** `@aws-sdk/client-kms` from `node_modules/@aws-sdk/client-kms/dist-es/...` or an import path. */
function sdkPackage(path: string): string | undefined {
  const match = /(?:^|node_modules\/)(@aws-sdk\/(?:client|lib)-[a-z0-9-]+)(?:\/|$)/.exec(path);
  return match?.[1];
}

/** SDK client packages that end up in the output: bundled files with bytes in it, or external imports of it. */
function sdkClients(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = sdkPackage(input);
      if (pkg && bytesInOutput > 0) found.add(pkg);
    }
    for (const imported of output.imports) {
      const pkg = imported.external ? sdkPackage(imported.path) : undefined;
      if (pkg) found.add(pkg);
    }
  }
  return [...found].sort();
}

const bundles = new Map<string, Bundle>();
let seconds = 0;

beforeAll(async () => {
  const started = performance.now();
  const built = await Promise.all(FUNCTIONS.map(async (fn) => [fn.id, await bundle(fn.entry)] as const));
  for (const [id, b] of built) bundles.set(id, b);
  seconds = (performance.now() - started) / 1000;
}, 120_000);

afterAll(() => {
  if (bundles.size === 0) return;
  const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(9);
  const rows = FUNCTIONS.map((fn) => {
    const code = bundles.get(fn.id)?.code ?? new Uint8Array();
    return `${fn.id.padEnd(32)}${kb(code.length)}${kb(gzipSync(code).length)}  ${fn.clients.join(' ') || '-'}`;
  });
  console.log(
    [
      `Lambda bundles (minified ESM, ${FUNCTIONS.length} entries in ${seconds.toFixed(1)} s)`,
      `${'function'.padEnd(32)}${'KB'.padStart(9)}${'gzip KB'.padStart(9)}  SDK clients`,
      ...rows,
    ].join('\n'),
  );
});

describe('Lambda bundles', () => {
  it('covers every route in lambdas/routes.ts plus the authorizer and the provisioner, each entry a real file', () => {
    expect(FUNCTIONS.map((fn) => fn.id)).toEqual([
      ...routes.map((r) => r.id),
      'tenant-authorizer',
      'usage-plan-provisioner',
    ]);
    for (const fn of FUNCTIONS) expect(existsSync(join(REPO_ROOT, fn.entry)), fn.entry).toBe(true);
  });

  it('bundles the SDK rather than taking it from the Lambda runtime (what the client check below reads)', () => {
    expect(BUNDLE_SETTINGS.external.filter((e) => e.startsWith('@aws-sdk'))).toEqual([]);
  });

  for (const fn of FUNCTIONS) {
    it(`${fn.id}: contains exactly the SDK clients its access needs (${fn.clients.join(', ') || 'none'})`, () => {
      // Prepare
      const built = bundles.get(fn.id);
      expect(built, `${fn.id} was not bundled`).toBeDefined();
      // Act
      const clients = sdkClients(built!.metafile);
      // Assess
      expect(clients).toEqual(fn.clients);
      expect(built!.code.length).toBeGreaterThan(0);
    });
  }

  it('bundles nothing from the local mode, the CDK app or the tests into a Lambda', () => {
    for (const [id, { metafile }] of bundles) {
      const foreign = Object.keys(metafile.inputs).filter((input) =>
        /^(local|lib|bin|test)\/|node_modules\/(aws-cdk-lib|constructs|aws-sdk-client-mock)\//.test(input),
      );
      expect(foreign, id).toEqual([]);
    }
  });
});

describe('the SDK client detector', () => {
  it('sees a client that an external import brings in, and ignores non-client SDK packages', () => {
    // Prepare: a metafile as esbuild writes it when the SDK is external.
    const metafile: Metafile = {
      inputs: {},
      outputs: {
        'index.mjs': {
          bytes: 10,
          inputs: { 'node_modules/@aws-sdk/util-dynamodb/dist-es/index.js': { bytesInOutput: 100 } },
          imports: [
            { path: '@aws-sdk/client-sqs', kind: 'import-statement', external: true },
            { path: '@aws-sdk/credential-providers', kind: 'import-statement', external: true },
            { path: 'node:crypto', kind: 'import-statement', external: true },
          ],
          exports: ['handler'],
        },
      },
    };
    // Act + Assess
    expect(sdkClients(metafile)).toEqual(['@aws-sdk/client-sqs']);
  });

  it('ignores a client whose modules were all tree-shaken out of the output', () => {
    const metafile: Metafile = {
      inputs: {},
      outputs: {
        'index.mjs': {
          bytes: 10,
          inputs: {
            'node_modules/@aws-sdk/client-kms/dist-es/index.js': { bytesInOutput: 0 },
            'node_modules/@aws-sdk/lib-dynamodb/dist-es/index.js': { bytesInOutput: 42 },
          },
          imports: [],
          exports: ['handler'],
        },
      },
    };
    expect(sdkClients(metafile)).toEqual(['@aws-sdk/lib-dynamodb']);
  });
});
