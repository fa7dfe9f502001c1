import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { type Route, routes } from '../../lambdas/routes.ts';
import type { Api } from '../../lib/api.ts';
import { createApp } from '../../lib/app.ts';
import { readConfig, senderAddress } from '../../lib/config.ts';
import { CDK_CONTEXT, idOf, regionTemplates, resourceOf, templateOf } from './app.ts';

/*
 * Email (Amazon SES): only the functions of routes with `access.email` may send, only from their region's identity
 * (and configuration set), only with its From address, and only they get the sender's settings. No route of the
 * table may have `access.email` yet, so the synthesized table marks two more routes as sending, one in the regional
 * stack and one in the admin API's nested stack, on top of those that really do.
 */

const PICKS = ['signup-page', 'admin-users'].filter((id) => routes.some((r) => r.id === id));
const emailIds = new Set([...routes.filter((r) => r.access.email).map((r) => r.id), ...PICKS]);
const table: readonly Route[] = routes.map((r) =>
  emailIds.has(r.id) ? { ...r, access: { ...r.access, email: true } } : r,
);

/** us: the sender shipped in cdk.json (an example identity, its configuration set created); eu: an address identity. */
const EU_SENDER = { from: 'Acme Sign-in <sign-in@mail.acme.io>', identity: 'sign-in@mail.acme.io' };
const regions = { us: 'us-west-2', eu: 'eu-west-1' };
const shipped = CDK_CONTEXT.email as Record<string, { from: string; identity: string; configurationSet?: string }>;
const app = createApp(
  {
    context: {
      ...CDK_CONTEXT,
      regions,
      email: { ...shipped, eu: EU_SENDER },
      'aws:cdk:bundling-stacks': [],
    },
  },
  table,
);
const stackOf = (label: string) => app.node.findChild(`Keyway-${label}`) as Stack;
const apiOf = (label: string) => stackOf(label).node.findChild('Api') as Api;

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Allow statements of the identity policies attached to a role, by the role's logical id. */
function roleStatements(t: Template, roleId: string): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

/** An ARN as CloudFormation will write it, pseudo parameters as `{AWS::…}`. */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return `{${ref}}`;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(arnText).join(join[0]);
  return JSON.stringify(value);
}

const roleKey = (role: IConstruct) => `${Stack.of(role).node.path}/${idOf(role)}`;

const sesStatements = (role: IConstruct) =>
  roleStatements(templateOf(role), idOf(role)).filter((s) => asArray(s.Action).some((a) => a.startsWith('ses:')));

describe.each([
  ['us', shipped.us!, 'arn:aws:ses:us-west-2:{AWS::AccountId}:identity/example.com'],
  ['eu', EU_SENDER, 'arn:aws:ses:eu-west-1:{AWS::AccountId}:identity/sign-in@mail.acme.io'],
] as const)('sending email in the %s stack', (label, sender, identityArn) => {
  const stack = stackOf(label);
  const api = apiOf(label);
  const configurationSet = 'configurationSet' in sender ? sender.configurationSet : undefined;
  const emailRoles = new Set([...emailIds].map((id) => roleKey(api.functions.get(id)!.role)));

  it('marks routes in both the regional stack and the admin API stack as sending', () => {
    const stacks = [...emailIds].map((id) => Stack.of(api.functions.get(id)!.function));
    expect(stacks).toContain(stack);
    expect(stacks).toContain(api.nestedStacks.get('admin-api'));
  });

  it('grants ses:SendEmail to no role but those of the routes with access.email', () => {
    let checked = 0;
    for (const { stack: s, template } of regionTemplates(stack)) {
      for (const roleId of Object.keys(template.findResources('AWS::IAM::Role'))) {
        const key = `${s.node.path}/${roleId}`;
        const ses = roleStatements(template, roleId).filter((st) => asArray(st.Action).some((a) => /^ses:/i.test(a)));
        expect(ses.length > 0, key).toBe(emailRoles.has(key));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(emailRoles.size);
  });

  it('lets each of them send only from the identity (and the configuration set), only as its From address, nothing else of SES', () => {
    for (const id of emailIds) {
      const statements = sesStatements(api.functions.get(id)!.role);
      expect(statements, id).toHaveLength(1);
      const [statement] = statements as [Statement];
      expect(asArray(statement.Action), id).toEqual(['ses:SendEmail']);
      const resources = asArray(statement.Resource).map(arnText).sort();
      const expected = [
        identityArn,
        ...(configurationSet
          ? [`arn:aws:ses:${regions[label]}:{AWS::AccountId}:configuration-set/${configurationSet}`]
          : []),
      ].sort();
      expect(resources, id).toEqual(expected);
      for (const resource of resources) expect(resource, id).not.toContain('*');
      expect(statement.Condition, id).toEqual({
        StringEquals: { 'ses:FromAddress': senderAddress(sender.from) },
      });
    }
  });

  it('gives EMAIL_FROM (and EMAIL_CONFIGURATION_SET when there is one) to exactly those routes', () => {
    for (const route of table) {
      const env = resourceOf(api.functions.get(route.id)!.function).Properties.Environment.Variables as Record<
        string,
        unknown
      >;
      const sends = route.access.email === true;
      expect(env.EMAIL_FROM, route.id).toBe(sends ? sender.from : undefined);
      expect(env.EMAIL_CONFIGURATION_SET, route.id).toBe(sends ? configurationSet : undefined);
    }
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('the configuration set', () => {
  it('is created where cdk.json asks (us): suppressing bounces and complaints, with reputation metrics', () => {
    expect(shipped.us).toMatchObject({ configurationSet: 'keyway', createConfigurationSet: true });
    const sets = Object.values(templateOf(stackOf('us')).findResources('AWS::SES::ConfigurationSet'));
    expect(sets).toHaveLength(1);
    expect(sets[0]!.Properties).toEqual({
      Name: 'keyway',
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('is not created where the sender has none (eu)', () => {
    for (const { template } of regionTemplates(stackOf('eu')))
      expect(Object.keys(template.findResources('AWS::SES::ConfigurationSet'))).toEqual([]);
  });
});

describe('the example sender shipped in cdk.json', () => {
  it('names a sender for every region of cdk.json', () => {
    const config = readConfig(new App({ context: CDK_CONTEXT }).node, table);
    expect(Object.keys(config.email).sort()).toEqual(Object.keys(CDK_CONTEXT.regions as object).sort());
  });

  it('warns at synth that the example identity must be replaced, where it is used', () => {
    Annotations.fromStack(stackOf('us')).hasWarning(
      '*',
      Match.stringLikeRegexp('email\\.us\\.identity is example\\.com, a reserved example name'),
    );
    expect(Annotations.fromStack(stackOf('eu')).findWarning('*', Match.stringLikeRegexp('email\\.eu'))).toEqual([]);
  });

  it('sets up no SES at all while no route sends email', () => {
    const plain = routes.map((r) => ({ ...r, access: { ...r.access, email: false } }));
    const quiet = createApp(
      { context: { ...CDK_CONTEXT, regions: { us: 'us-west-2' }, 'aws:cdk:bundling-stacks': [] } },
      plain,
    );
    const stack = quiet.node.findChild('Keyway-us') as Stack;
    for (const { template } of regionTemplates(stack)) {
      expect(Object.keys(template.findResources('AWS::SES::ConfigurationSet'))).toEqual([]);
      expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('ses:');
    }
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('email\\.'))).toEqual([]);
  });
});

describe('email configuration', () => {
  const read = (email: unknown, routeTable: readonly Route[] = table) =>
    readConfig(new App({ context: { ...CDK_CONTEXT, regions, email } }).node, routeTable);
  const us = { from: 'Keyway <no-reply@example.com>', identity: 'example.com' };

  it('reads a sender per region label, the configuration set optional and not created by default', () => {
    expect(read({ us, eu: EU_SENDER }).email).toEqual({
      us: { ...us, createConfigurationSet: false },
      eu: { ...EU_SENDER, createConfigurationSet: false },
    });
  });

  it('accepts a bare address and a subdomain of the identity', () => {
    const sender = { from: 'no-reply@mail.example.com', identity: 'example.com' };
    expect(read({ us: sender, eu: sender }).email.us?.from).toBe('no-reply@mail.example.com');
  });

  it('refuses a region without a sender once a route sends email, naming the region and the routes', () => {
    expect(() => read({ us })).toThrow(/email\.eu is missing: the routes .*signup-page.* send email/);
    expect(() =>
      read(
        {},
        routes.map((r) => ({ ...r, access: { ...r.access, email: false } })),
      ),
    ).not.toThrow();
  });

  it.each([
    [{ ...us, from: 'no-reply@example' }, /from/],
    [{ ...us, from: 'Keyway no-reply@example.com' }, /Display Name <address>/],
    [{ ...us, from: 'Keyway <no-reply@Example.com>' }, /lower case/],
    [{ ...us, from: 'Kéyway <no-reply@example.com>' }, /printable ASCII/],
    [{ ...us, from: 'Keyway\r\nBcc: x@evil.io <no-reply@example.com>' }, /printable ASCII/],
    [{ ...us, from: 'Keyway <no-reply@example.org>' }, /not covered by the identity example\.com/],
    [{ ...us, from: 'Keyway <no-reply@notexample.com>' }, /not covered by the identity example\.com/],
    [{ from: 'Keyway <other@example.com>', identity: 'no-reply@example.com' }, /not covered/],
    [{ ...us, identity: 'Example.com' }, /lower-case domain or an address\n\s*→ at email\.us\.identity$/],
    [{ ...us, configurationSet: 'keyway prod' }, /configurationSet/],
    [{ ...us, createConfigurationSet: true }, /needs configurationSet.*\n\s*→ at email\.us\.createConfigurationSet/],
    [{ ...us, configurationset: 'keyway' }, /configurationset/],
  ])('refuses %j', (sender, message) => {
    expect(() => read({ us: sender, eu: EU_SENDER })).toThrow(message);
  });
});

describe('senderAddress', () => {
  it.each([
    ['Keyway <no-reply@example.com>', 'no-reply@example.com'],
    ['"Keyway, Inc." <no-reply@example.com>', 'no-reply@example.com'],
    ['no-reply@example.com', 'no-reply@example.com'],
    ['Keyway <>', undefined],
    ['Keyway', undefined],
  ])('of %j is %j', (from, address) => {
    expect(senderAddress(from)).toBe(address);
  });
});
