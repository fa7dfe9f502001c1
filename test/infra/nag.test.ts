import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthesize } from './app.ts';

const synth = synthesize();

describe('cdk-nag AwsSolutions', () => {
  for (const label of ['us', 'au', 'eu']) {
    it(`Keyway-${label} has no unacknowledged finding`, () => {
      // Prepare
      const checks = new AwsSolutionsChecks();
      // Act
      const report = checks.validateScope(synth.stack(label));
      // Assess
      const findings = report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
      expect(findings).toEqual([]);
    });
  }
});

describe('the nag gate itself', () => {
  it('reports a finding that nobody acknowledged (control: a queue without TLS enforcement)', async () => {
    // Prepare
    const { App, Stack } = await import('aws-cdk-lib');
    const { Queue } = await import('aws-cdk-lib/aws-sqs');
    const stack = new Stack(new App(), 'Control');
    new Queue(stack, 'Queue');
    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);
    // Assess
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS4');
  });
});
