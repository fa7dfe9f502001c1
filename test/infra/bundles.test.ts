import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Route, routes } from '../../lambdas/routes.ts';
import {
  BUNDLE_SETTINGS,
  bundleBuildOptions,
  REPO_ROOT,
  UNBUNDLED_CREDENTIAL_PROVIDERS,
} from '../../lib/keyway-function.ts';

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
const SQS_CLIENTS = ['@aws-sdk/client-sqs'];
const SES_CLIENTS = ['@aws-sdk/client-sesv2'];

interface BundledFunction {
  readonly id: string;
  readonly entry: string;
  /** The SDK client packages (`@aws-sdk/client-*`, `@aws-sdk/lib-*`) the function needs, sorted. */
  readonly clients: readonly string[];
}

/**
 * What a route's `access` needs: the table through the document client, KMS to sign, read public keys or derive
 * webhook secrets (GenerateMac), SQS to enqueue webhook replays, SESv2 to send email. The webhook and email clients
 * are loaded lazily (dynamic import) but still bundled, so they count; a route without that access must not carry
 * them.
 */
function routeClients(access: Route['access']): string[] {
  return [
    ...new Set([
      ...(access.dynamodb.length > 0 ? TABLE_CLIENTS : []),
      ...(access.sign || access.publicKeys || access.webhookSecrets ? KMS_CLIENTS : []),
      ...(access.webhookQueue ? SQS_CLIENTS : []),
      ...(access.email ? SES_CLIENTS : []),
    ]),
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
  // lib/webhooks.ts: the table, GenerateMac for the subscription secrets, SendMessage for retries and dead letters.
  {
    id: 'webhook-dispatcher',
    entry: 'lambdas/webhook-dispatcher/handler.ts',
    clients: [...TABLE_CLIENTS, ...KMS_CLIENTS, ...SQS_CLIENTS].sort(),
  },
];

const OUT_FILE = join(REPO_ROOT, 'cdk.out', 'bundle-test', 'index.mjs');

interface Bundle {
  readonly metafile: Metafile;
  readonly code: Uint8Array;
}

async function bundle(entry: string): Promise<Bundle> {
  const result = await build({ ...bundleBuildOptions(entry, OUT_FILE), write: false, metafile: true });
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
  it('covers every route in lambdas/routes.ts plus the authorizer, the provisioner and the dispatcher, each entry a real file', () => {
    expect(FUNCTIONS.map((fn) => fn.id)).toEqual([
      ...routes.map((r) => r.id),
      'tenant-authorizer',
      'usage-plan-provisioner',
      'webhook-dispatcher',
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

  it('leaves out the credential providers that read files, and the STS/SSO clients they would load', () => {
    for (const [id, { metafile }] of bundles) {
      const inputs = Object.keys(metafile.inputs);
      const leftIn = inputs.filter((input) =>
        [...UNBUNDLED_CREDENTIAL_PROVIDERS, '@aws-sdk/nested-clients', '@aws-sdk/token-providers'].some((pkg) =>
          input.includes(`node_modules/${pkg}/`),
        ),
      );
      expect(leftIn, id).toEqual([]);
      if (!inputs.some((input) => input.includes('node_modules/@aws-sdk/credential-provider-node/'))) continue;
      expect(inputs, id).toContain('lambdas/core/aws/file-credential-providers.ts');
    }
  });

  it('bundles nothing from the local mode, the CDK app or the tests into a Lambda', () => {
    for (const [id, { metafile }] of bundles) {
      const foreign = Object.keys(metafile.inputs).filter((input) =>
        /^(local|lib|bin|test)\/|node_modules\/(aws-cdk-lib|constructs|aws-sdk-client-mock)\//.test(input),
      );
      expect(foreign, id).toEqual([]);
    }
  });
});

describe('credentials in a bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-credentials-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'index.mjs');
  /** The SDK's default chain as a function resolves it: prints the access key id, or the error. */
  const run = (env: Record<string, string>) =>
    execFileSync(process.execPath, [outfile], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_REGION: 'us-west-2', ...env },
    });

  beforeAll(async () => {
    await build({
      stdin: {
        contents: [
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
          "const client = new DynamoDBClient({ region: 'us-west-2' });",
          'client.config.credentials().then(',
          "  (c) => console.log('resolved ' + c.accessKeyId),",
          "  (e) => console.log('failed ' + e.name + ': ' + e.message),",
          ');',
        ].join('\n'),
        resolveDir: REPO_ROOT,
        sourcefile: 'credentials-check.ts',
        loader: 'ts',
      },
      absWorkingDir: REPO_ROOT,
      outfile,
      bundle: true,
      platform: 'node',
      format: BUNDLE_SETTINGS.format,
      target: BUNDLE_SETTINGS.target,
      mainFields: [...BUNDLE_SETTINGS.mainFields],
      banner: { js: BUNDLE_SETTINGS.banner },
      alias: { ...BUNDLE_SETTINGS.alias },
      minify: true,
      logLevel: 'silent',
    });
  }, 60_000);

  it('come from the AWS_* variables Lambda sets, through the default chain', () => {
    const out = run({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    expect(out.trim()).toBe('resolved ASIAEXAMPLE');
  });

  it('without them, the chain passes over the left-out providers and fails as it would with no files, not on a missing module', () => {
    // A profile file the real fromIni would read: the bundle does not look at it.
    const out = run({
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    });
    expect(out.trim()).toBe('failed CredentialsProviderError: Could not load credentials from any providers');
    expect(out).not.toMatch(/Cannot find (module|package)/);
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
