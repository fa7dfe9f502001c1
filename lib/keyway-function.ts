import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

/** Repository root: route entries in lambdas/routes.ts are relative to it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One runtime for every function. Node 22 is the LTS Lambda runtime the handlers are tested on; moving to a newer
 * one is this constant plus `ESBUILD_TARGET`.
 */
export const RUNTIME = lambda.Runtime.NODEJS_22_X;
export const ESBUILD_TARGET = 'node22';

/**
 * ESM output needs `require` for the few CommonJS dependencies that call it at run time; esbuild cannot rewrite
 * those calls, so the bundle defines one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __keywayCreateRequire } from 'node:module'; const require = __keywayCreateRequire(import.meta.url);";

/**
 * The AWS SDK credential providers that read ~/.aws files, SSO caches or a web-identity token file. In Lambda they
 * never find anything (the role's credentials are in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * which the default chain reads first), yet bundled they and the STS/SSO clients they load were ~110 KB parsed at
 * every cold start. The bundles alias them to a module whose providers decline with `tryNextLink`, as an absent
 * file does (see the module). Paths are relative to the project root, the working directory of both esbuild runs.
 */
export const UNBUNDLED_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
] as const;
export const FILE_CREDENTIAL_PROVIDERS_STANDIN = './lambdas/core/aws/file-credential-providers.ts';

/** The esbuild settings shared by CDK bundling, the bundle-content test and the bench, so they cannot drift. */
export const BUNDLE_SETTINGS = {
  target: ESBUILD_TARGET,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  /**
   * The SDK is bundled, not taken from the runtime: the version is then the one in package-lock.json, and only
   * the clients a handler imports end up in its bundle (checked by test/infra/bundles.test.ts).
   */
  external: [] as string[],
  alias: Object.fromEntries(
    UNBUNDLED_CREDENTIAL_PROVIDERS.map((pkg) => [pkg, FILE_CREDENTIAL_PROVIDERS_STANDIN]),
  ) as Readonly<Record<string, string>>,
} as const;

/**
 * The esbuild options NodejsFunction ends up with for `entry` (see `bundling` below), for the builds outside CDK
 * that must match it: the bundle-content test and the cold-start bench. In memory (`write: false`) with a metafile.
 */
export function bundleBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(REPO_ROOT, entry)],
    outfile,
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
    alias: { ...BUNDLE_SETTINGS.alias },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
  };
}

/**
 * What every function's environment starts with (the cold-start bench runs the bundles with it too).
 *
 * No NODE_OPTIONS=--enable-source-maps: Node then parses the bundle's source map at every cold start, which costs
 * ~7–13 ms per cold start (bench/RESULTS.md, section 3) to make the stacks of rare unhandled errors readable in the
 * logs. The maps are still built and shipped beside each bundle (`sourceMap` below, without sources content), so a
 * logged stack is mapped offline instead: scripts/symbolicate-stack.ts.
 */
export const FUNCTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'keyway',
  LOG_LEVEL: 'INFO',
};

/**
 * Environment variables a function must not have. AWS_PROFILE makes the SDK's default chain skip the environment
 * credentials Lambda provides and look for a profile in files the bundles do not read (see above).
 */
const FORBIDDEN_ENVIRONMENT = ['AWS_PROFILE'] as const;

/** Lambda refuses a function whose environment variables, names and values together, take more than 4 KB. */
export const ENVIRONMENT_LIMIT_BYTES = 4096;
/** Counted for a value CloudFormation fills in at deploy: more than any ARN, name or queue URL the stack passes. */
const UNRESOLVED_VALUE_BYTES = 140;

/** A function's environment size as Lambda counts it, with each deploy-time value at its upper bound. */
export function environmentBytes(environment: Readonly<Record<string, string>>): number {
  return Object.entries(environment).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + (Token.isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value)),
    0,
  );
}

export interface KeywayFunctionProps {
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /**
   * Memory in MB. Lambda allocates CPU in proportion, so this also sets how fast crypto and JSON work runs.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Kept well under API Gateway's 29 s integration timeout so a stuck call fails as a function error we alarm on.
   * @default 10 seconds
   */
  readonly timeout?: Duration;
  readonly environment?: Readonly<Record<string, string>>;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long the function's logs are kept.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Node.js function with Keyway's runtime defaults: arm64, ESM bundle built by local esbuild (never Docker),
 * minified, with source maps shipped but not loaded at run time, active X-Ray tracing, its own log group with retention, and its own role that can
 * write only to that log group. Whatever else it may do is granted by the construct that creates it.
 */
export class KeywayFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: KeywayFunctionProps) {
    super(scope, id);
    for (const name of FORBIDDEN_ENVIRONMENT) {
      if (props.environment && name in props.environment)
        throw new Error(`${id}: ${name} must not be set on a Keyway function (see lib/keyway-function.ts)`);
    }

    const environment = { ...FUNCTION_ENVIRONMENT, ...props.environment };
    const bytes = environmentBytes(environment);
    if (bytes > ENVIRONMENT_LIMIT_BYTES)
      throw new Error(
        `${id}: its environment variables take up to ${bytes} bytes; Lambda allows ${ENVIRONMENT_LIMIT_BYTES} (${Object.keys(environment).join(', ')})`,
      );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs are audit evidence for an identity provider: a teardown keeps them until retention expires them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy, which may write to any log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (Keyway)`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      environment,
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_SETTINGS.target,
        mainFields: [...BUNDLE_SETTINGS.mainFields],
        banner: BUNDLE_SETTINGS.banner,
        externalModules: [...BUNDLE_SETTINGS.external],
        esbuildArgs: { '--alias': Object.entries(BUNDLE_SETTINGS.alias).map(([pkg, path]) => `${pkg}=${path}`) },
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (added by active tracing) support no resource-level permissions.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22, a supported LTS Lambda runtime, so the runtime matches the esbuild target the bundles are built and tested for; upgrading is the RUNTIME constant in lib/keyway-function.ts.',
    });
  }
}
