import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { App, type CfnElement, Names, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/core/config.ts';
import { ENVELOPE_ENCRYPTION_CONTEXT, KmsEnvelopeSigner } from '../../lambdas/core/signer/kms-envelope-signer.ts';
import { routes } from '../../lambdas/routes.ts';
import type { Api } from '../../lib/api.ts';
import { readConfig } from '../../lib/config.ts';
import {
  ENVELOPE_ENVIRONMENT_BUDGET,
  EnvelopeSigning,
  EnvelopeWrappingKey,
  WRAPPING_KEY_ALIAS,
} from '../../lib/envelope-signing.ts';
import { DEFAULT_WRAPPING_KEY } from '../../scripts/generate-envelope-key.ts';
import { CDK_CONTEXT, idOf, regionTemplates, resourceOf, synthesize } from './app.ts';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: { AWS?: unknown };
  Condition?: Record<string, Record<string, unknown>>;
};
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const spki = (key: KeyObject) => b64(key.export({ format: 'der', type: 'spki' }));
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

// Key material as scripts/generate-envelope-key.ts prints it; the ciphertext has a real blob's size (~1.4 KB).
const current = rsa();
const next = rsa();
const previous = rsa();
const ciphertext = b64(randomBytes(1400));
const envelopeSigning = {
  mode: 'kms-envelope',
  current: 'e2',
  published: ['e3', 'e1'],
  keys: {
    us: {
      e1: { publicKey: spki(previous.publicKey) }, // retired: only its public half is kept
      e2: { ciphertext, publicKey: spki(current.publicKey) },
      e3: { ciphertext: b64(randomBytes(1400)), publicKey: spki(next.publicKey) },
    },
  },
};
const regions = { us: 'us-west-2' };

const envelope = synthesize({ regions, signing: envelopeSigning });
const template = envelope.template('us');
const stack = envelope.stack('us');
const api = stack.node.findChild('Api') as Api;
const logicalId = (s: Stack, construct: IConstruct) => s.getLogicalId(construct.node.defaultChild as CfnElement);
const routeRole = (id: string) => idOf(api.functions.get(id)!.role);
const routeEnv = (id: string) =>
  resourceOf(api.functions.get(id)!.function).Properties.Environment.Variables as Record<string, unknown>;
const wrappingKey = stack.node.findChild('EnvelopeWrappingKey') as EnvelopeWrappingKey;
const wrappingKeyId = logicalId(stack, wrappingKey.key);

function roleActions(t: Template, roleId: string): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}
const actionsOf = (statements: Statement[]) => new Set(statements.flatMap((s) => asArray(s.Action)));
const keyPolicy = () => template.toJSON().Resources[wrappingKeyId].Properties.KeyPolicy.Statement as Statement[];
const purpose = { StringEquals: { 'kms:EncryptionContext:purpose': ENVELOPE_ENCRYPTION_CONTEXT.purpose } };

describe('kms-envelope mode: the wrapping key', () => {
  it('is the only KMS key: symmetric, rotation on, retained, with the alias the key script defaults to', () => {
    const keys = template.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toEqual([wrappingKeyId]);
    const key = keys[wrappingKeyId]!;
    expect(key.Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(key.Properties.KeyUsage ?? 'ENCRYPT_DECRYPT').toBe('ENCRYPT_DECRYPT');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: WRAPPING_KEY_ALIAS });
    expect(DEFAULT_WRAPPING_KEY).toBe(WRAPPING_KEY_ALIAS);
  });

  it('lets the account root administer it but never decrypt, re-encrypt, encrypt, make plaintext keys or grant', () => {
    const root = keyPolicy().filter((s) => JSON.stringify(s.Principal).includes(':root'));
    const actions = root.flatMap((s) => asArray(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:DisableKey']));
    for (const forbidden of [
      'kms:*',
      'kms:Decrypt',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:ReEncrypt*',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKeyPair',
      'kms:GenerateDataKey*',
      'kms:CreateGrant',
    ])
      expect(actions).not.toContain(forbidden);
  });

  it('lets IAM allow operators to generate wrapped RSA_2048 signing keys, with the signing context only', () => {
    const generate = keyPolicy().filter((s) => asArray(s.Action).includes('kms:GenerateDataKeyPairWithoutPlaintext'));
    expect(generate).toHaveLength(1);
    expect(generate[0]!.Condition).toEqual({
      StringEquals: { ...purpose.StringEquals, 'kms:DataKeyPairSpec': 'RSA_2048' },
    });
  });

  it('names exactly the roles of signing routes for kms:Decrypt, and only with the signing encryption context', () => {
    const decrypt = keyPolicy().filter((s) => asArray(s.Action).some((a) => a === 'kms:Decrypt' || a === 'kms:*'));
    for (const s of decrypt) expect(s.Condition).toEqual(purpose);
    const principals = decrypt
      .flatMap((s) => asArray(s.Principal?.AWS))
      .map((p) => (p as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0])
      .sort();
    const signing = routes.filter((r) => r.access.sign).map((r) => routeRole(r.id));
    expect(signing.length).toBeGreaterThan(0);
    expect(principals).toEqual(signing.sort());
  });
});

describe('kms-envelope mode: functions', () => {
  it('grants kms:Decrypt on the wrapping key (signing context) to signing routes only, and kms:Sign/GetPublicKey to none', () => {
    const routeRoles = new Map(
      routes.map((r) => [`${Stack.of(api.functions.get(r.id)!.role).node.path}/${routeRole(r.id)}`, r]),
    );
    const roles = regionTemplates(stack).flatMap(({ stack: st, template: t }) =>
      Object.keys(t.findResources('AWS::IAM::Role')).map((id) => ({ key: `${st.node.path}/${id}`, id, t })),
    );
    for (const { key, id: roleId, t } of roles) {
      const statements = roleActions(t, roleId);
      const actions = actionsOf(statements);
      const route = routeRoles.get(key);
      expect(actions.has('kms:Decrypt'), roleId).toBe(route?.access.sign === true);
      for (const s of statements.filter((st) => asArray(st.Action).includes('kms:Decrypt'))) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': [wrappingKeyId, 'Arn'] });
        expect(s.Condition).toEqual(purpose);
      }
      for (const forbidden of ['kms:Sign', 'kms:GetPublicKey', 'kms:*', '*'])
        expect(actions.has(forbidden)).toBe(false);
    }
  });

  it('gives every route the envelope settings from cdk.json, pinned to the wrapping key, and no KMS key id', () => {
    for (const route of routes) {
      const env = routeEnv(route.id);
      expect(env.SIGNER_MODE, route.id).toBe('kms-envelope');
      expect(env.SIGNING_KEY_CIPHERTEXT).toBe(ciphertext);
      expect(env.SIGNING_PUBLIC_KEY).toBe(spki(current.publicKey));
      expect(env.SIGNING_PUBLISHED_PUBLIC_KEYS).toBe(`${spki(next.publicKey)},${spki(previous.publicKey)}`);
      // In the admin API's nested stack the key's ARN arrives as a parameter of that stack.
      const nested = Stack.of(api.functions.get(route.id)!.function) !== stack;
      expect(env.SIGNING_KEY_WRAPPING_KEY_ID).toEqual(
        nested
          ? { Ref: `referenceto${Names.uniqueId(wrappingKey.key.node.defaultChild as CfnElement)}Arn` }
          : { 'Fn::GetAtt': [wrappingKeyId, 'Arn'] },
      );
      expect('SIGNING_KEY_ID' in env).toBe(false);
      // Lambda refuses more than 4 KB of variables; a resolved key ARN is under 100 characters.
      const size = Object.entries(env).reduce(
        (n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 100),
        0,
      );
      expect(size, route.id).toBeLessThan(4096);
    }
  });

  it('is an environment the runtime accepts: one Decrypt, tokens verify against the JWKS with the current kid', async () => {
    const env = { ...routeEnv('token'), SIGNING_KEY_WRAPPING_KEY_ID: 'arn:aws:kms:us-west-2:1:key/w' } as Record<
      string,
      string
    >;
    const { signer: config } = parseConfig(env);
    if (config.mode !== 'kms-envelope') throw new Error(config.mode);
    const kms = mockClient(KMSClient);
    kms.on(DecryptCommand).callsFake(() => ({
      Plaintext: new Uint8Array(current.privateKey.export({ format: 'der', type: 'pkcs8' })),
    }));
    const signer = await KmsEnvelopeSigner.create(async () => new KMSClient({ region: 'us-west-2' }), config);
    const jwks = await signer.publicJwks();
    const jwt = await signer.sign({ typ: 'JWT' }, { sub: 'u1', exp: Math.floor(Date.now() / 1000) + 60 });
    await expect(jwtVerify(jwt, createLocalJWKSet(jwks))).resolves.toBeDefined();
    const kid = template.toJSON().Outputs.SigningKeyKid.Value;
    expect(decodeProtectedHeader(jwt).kid).toBe(kid);
    expect(jwks.keys).toHaveLength(3);
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({
      CiphertextBlob: new Uint8Array(Buffer.from(ciphertext, 'base64')),
      KeyId: 'arn:aws:kms:us-west-2:1:key/w',
    });
    kms.restore();
  });

  it('scans only signing functions for KMS throttling (publishing and verifying no longer call KMS)', () => {
    template.resourceCountIs('AWS::Logs::MetricFilter', routes.filter((r) => r.access.sign).length);
  });

  it('outputs the wrapping key ARN and the kid instead of a signing key ARN', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.EnvelopeWrappingKeyArn?.Value).toEqual({ 'Fn::GetAtt': [wrappingKeyId, 'Arn'] });
    expect(outputs.SigningKeyKid?.Value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(outputs.SigningKeyArn).toBeUndefined();
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });
});

describe('preparing a switch: kms mode with envelopeWrappingKey', () => {
  const prepared = synthesize({
    regions,
    signing: { mode: 'kms', current: 'k1', published: [], envelopeWrappingKey: true },
  });
  const t = prepared.template('us');
  const s = prepared.stack('us');
  const preparedKeyId = logicalId(s, (s.node.findChild('EnvelopeWrappingKey') as EnvelopeWrappingKey).key);

  it('adds the wrapping key next to the RSA key, under the logical id kms-envelope mode will keep', () => {
    t.resourceCountIs('AWS::KMS::Key', 2);
    t.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    expect(preparedKeyId).toBe(wrappingKeyId);
    expect(t.toJSON().Outputs.EnvelopeWrappingKeyArn).toBeDefined();
  });

  it('still signs with KMS and lets no function decrypt', () => {
    const preparedApi = s.node.findChild('Api') as Api;
    for (const route of routes) {
      const fn = resourceOf(preparedApi.functions.get(route.id)!.function);
      expect(fn.Properties.Environment.Variables.SIGNER_MODE).toBe('kms');
    }
    const policy = t.toJSON().Resources[preparedKeyId].Properties.KeyPolicy.Statement as Statement[];
    expect(policy.flatMap((st) => asArray(st.Action))).not.toContain('kms:Decrypt');
    for (const { template: nt } of regionTemplates(s))
      for (const roleId of Object.keys(nt.findResources('AWS::IAM::Role')))
        expect(actionsOf(roleActions(nt, roleId)).has('kms:Decrypt')).toBe(false);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks().validateScope(s);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('signing configuration', () => {
  const read = (signing: unknown, extra: Record<string, unknown> = {}) =>
    readConfig(new App({ context: { ...CDK_CONTEXT, regions, signing, ...extra } }).node);

  it('defaults to kms, also when mode is left out', () => {
    expect((CDK_CONTEXT.signing as { mode: string }).mode).toBe('kms');
    expect(read({ current: 'k1' }).signing).toEqual({
      mode: 'kms',
      current: 'k1',
      published: [],
      envelopeWrappingKey: false,
    });
  });

  it('reads kms-envelope keys per region label and generation', () => {
    const { signing } = read(envelopeSigning);
    expect(signing).toMatchObject({ mode: 'kms-envelope', current: 'e2', published: ['e3', 'e1'] });
  });

  it('names the command to run for each region without the current generation', () => {
    const twoRegions = { us: 'us-west-2', eu: 'eu-west-1' };
    expect(() => read(envelopeSigning, { regions: twoRegions })).toThrow(
      /signing\.keys\.eu\.e2 needs a ciphertext.*npx tsx scripts\/generate-envelope-key\.ts --region eu-west-1 --label eu --generation e2/,
    );
    expect(() => read({ ...envelopeSigning, current: 'e1' })).toThrow(/signing\.keys\.us\.e1 needs a ciphertext/);
  });

  it.each([
    [{ ...envelopeSigning, published: ['e9'] }, /signing\.keys\.us\.e9 is published but has no publicKey/],
    [{ ...envelopeSigning, keys: { us: { e2: { ciphertext: 'abc', publicKey: 'AAAA' } } } }, /padded base64/],
    [{ ...envelopeSigning, keys: { us: { e2: { ciphertext, publicKey: 'AAAA', kid: 'x' } } } }, /kid/],
    [{ mode: 'kms', current: 'k1', keys: {} }, /keys/],
    [{ mode: 'envelope', current: 'k1' }, /mode/],
  ])('refuses %j', (signing, message) => {
    expect(() => read(signing)).toThrow(message);
  });

  it('fails synth on a public key that is not an RSA 2048 SPKI', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const bad = (publicKey: string) => ({
      ...envelopeSigning,
      published: [],
      keys: { us: { e2: { ciphertext, publicKey } } },
    });
    expect(() => synthesize({ regions, signing: bad(b64(randomBytes(300))) })).toThrow(
      /not a base64 DER SubjectPublicKeyInfo/,
    );
    expect(() => synthesize({ regions, signing: bad(spki(ec.publicKey)) })).toThrow(/must be RSA 2048/);
  });

  it(`refuses more envelope settings than fit in Lambda's environment (${ENVELOPE_ENVIRONMENT_BUDGET} bytes)`, () => {
    const wrappingKey = new EnvelopeWrappingKey(new Stack(new App(), 'Budget'), 'W');
    const key = { ciphertext, publicKey: spki(current.publicKey) };
    const published = (n: number) => Array.from({ length: n }, () => ({ publicKey: spki(next.publicKey) }));
    expect(() => new EnvelopeSigning({ wrappingKey, current: key, published: published(2) })).not.toThrow();
    expect(() => new EnvelopeSigning({ wrappingKey, current: key, published: published(4) })).toThrow(
      /publish fewer generations/,
    );
  });
});
