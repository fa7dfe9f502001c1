import { describe, expect, it } from 'vitest';
import { SIGNING_ALGORITHM } from '../../lib/signing-keys.ts';
import { synthesize } from './app.ts';

// One synthesis of the real app (kms signing mode, as in cdk.json), bundling skipped.
const template = synthesize().template('us');

type Statement = { Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> };
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function signStatements(): { where: string; statement: Statement }[] {
  const out: { where: string; statement: Statement }[] = [];
  for (const [id, key] of Object.entries(template.findResources('AWS::KMS::Key'))) {
    const statements = (key.Properties.KeyPolicy?.Statement ?? []) as Statement[];
    for (const s of statements)
      if (asArray(s.Action).includes('kms:Sign')) out.push({ where: `key ${id}`, statement: s });
  }
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const statements = (policy.Properties.PolicyDocument?.Statement ?? []) as Statement[];
    for (const s of statements)
      if (asArray(s.Action).includes('kms:Sign')) out.push({ where: `policy ${id}`, statement: s });
  }
  return out;
}

describe('the token-signing key policy', () => {
  it('allows kms:Sign only with RS256 (kms:SigningAlgorithm), in the key policy and in every role policy', () => {
    const found = signStatements();
    expect(found.some((f) => f.where.startsWith('key'))).toBe(true);
    expect(found.some((f) => f.where.startsWith('policy'))).toBe(true);
    for (const { where, statement } of found) {
      expect(statement.Effect, where).toBe('Allow');
      expect(statement.Condition?.StringEquals?.['kms:SigningAlgorithm'], where).toBe(SIGNING_ALGORITHM);
    }
  });

  it('the signer uses exactly the algorithm the policy allows', async () => {
    const { readFile } = await import('node:fs/promises');
    const signer = await readFile(new URL('../../lambdas/core/signer/kms-signer.ts', import.meta.url), 'utf8');
    expect(signer).toContain(`SigningAlgorithm: '${SIGNING_ALGORITHM}'`);
  });
});
