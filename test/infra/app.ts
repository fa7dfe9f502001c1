import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../lib/app.ts';
import { REPO_ROOT } from '../../lib/keyway-function.ts';

/** The context in cdk.json, exactly as `cdk synth` sees it. */
export const CDK_CONTEXT = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as Record<
  string,
  unknown
>;

export interface SynthesizedApp {
  readonly app: App;
  readonly stack: (label: string) => Stack;
  readonly template: (label: string) => Template;
  readonly seconds: number;
}

/**
 * Builds the real app from cdk.json (plus `extra` context) once. Bundling is skipped here (the assertions are
 * about the templates; test/infra/bundles.test.ts bundles every entry with the same esbuild settings).
 */
export function synthesize(extra: Record<string, unknown> = {}): SynthesizedApp {
  const started = performance.now();
  const app = createApp({ context: { ...CDK_CONTEXT, ...extra, 'aws:cdk:bundling-stacks': [] } });
  const templates = new Map<string, Template>();
  const stack = (label: string) => app.node.findChild(`Keyway-${label}`) as Stack;
  for (const label of Object.keys((extra.regions ?? CDK_CONTEXT.regions) as Record<string, string>)) {
    templates.set(label, Template.fromStack(stack(label)));
  }
  return {
    app,
    stack,
    template: (label) => {
      const t = templates.get(label);
      if (!t) throw new Error(`no stack for ${label}`);
      return t;
    },
    seconds: (performance.now() - started) / 1000,
  };
}
