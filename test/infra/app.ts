import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, type CfnElement, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
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

/** Template JSON as the assertions library types it (loosely: resource properties are whatever CloudFormation takes). */
type Json = ReturnType<Template['toJSON']>;

const templates = new WeakMap<Stack, Template>();

/** The template of the stack a construct lives in (a nested stack's own, for the admin API's functions). */
export function templateOf(construct: IConstruct): Template {
  const stack = Stack.of(construct);
  let t = templates.get(stack);
  if (!t) {
    t = Template.fromStack(stack);
    templates.set(stack, t);
  }
  return t;
}

/** A construct's logical id in its own stack. */
export function idOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** A construct's resource in its own stack's template. */
export function resourceOf(construct: IConstruct): { Type: string; Properties: Json } {
  return templateOf(construct).toJSON().Resources[idOf(construct)];
}

/** A regional stack and its nested stacks: every resource of a region. */
export function regionTemplates(stack: Stack): { stack: Stack; template: Template }[] {
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
  return [stack, ...nested].map((s) => ({ stack: s, template: templateOf(s) }));
}

/** Resources of one type across a region's stacks, keyed `{stack path}/{logical id}`. */
export function findInRegion(stack: Stack, type: string): Record<string, { Properties: Json }> {
  const out: Record<string, { Properties: Json }> = {};
  for (const { stack: s, template } of regionTemplates(stack))
    for (const [id, r] of Object.entries(template.findResources(type))) out[`${s.node.path}/${id}`] = r as never;
  return out;
}
