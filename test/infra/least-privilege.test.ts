import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/core/store/keys.ts';
import { TABLE_SCHEMA } from '../../lambdas/core/store/schema.ts';
import { isTenantScoped, routes } from '../../lambdas/routes.ts';
import { type Api, RATE_COUNTER_LEADING_KEYS } from '../../lib/api.ts';
import type { Table } from '../../lib/table.ts';
import type { TenantAuthorizer } from '../../lib/tenant-authorizer.ts';
import { CDK_CONTEXT, idOf, regionTemplates, synthesize, templateOf } from './app.ts';

/*
 * Each route's function may do on the table exactly what its `access.dynamodb` in the route table says (which
 * test/http/route-actions.test.ts proves is what the handler sends): those actions on the table's ARN, dynamodb:Query
 * on the GSI's ARN for `Query:gsi1`, and, for tenant-scoped routes only, the application rate limiter's UpdateItem on
 * counter keys; nothing else, in every regional stack and the admin API's nested stack.
 */

// One synthesis of the real app for the whole file (bundling skipped; see bundles.test.ts).
const synth = synthesize();
const labels = Object.keys(CDK_CONTEXT.regions as Record<string, string>);

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of the identity policies attached to a role (and any inline policy of the role itself). */
function roleStatements(t: Template, roleId: string): Statement[] {
  const attached = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  const role = t.toJSON().Resources[roleId];
  const inline = ((role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  return [...attached, ...inline];
}

/** How `value` (a token of another construct) is written in the template of `scope`'s stack. */
const refIn = (scope: IConstruct, value: string) => JSON.stringify(Stack.of(scope).resolve(value));

const isTableAction = (action: string) => action === '*' || action.startsWith('dynamodb:');

/**
 * A role's DynamoDB permissions as `{action} on {resource}` (+ ` if {condition}` when the statement has one), the
 * resource named `table` or `index/gsi1` when it is that ARN of the region's table, else as written (which then
 * matches nothing expected).
 */
function tablePermissions(role: IConstruct, table: { tableArn: string }): string[] {
  const tableRef = refIn(role, table.tableArn);
  const indexRef = refIn(role, `${table.tableArn}/index/${TABLE_SCHEMA.gsi1.name}`);
  const name = (resource: unknown) => {
    const written = JSON.stringify(resource);
    if (written === tableRef) return 'table';
    if (written === indexRef) return `index/${TABLE_SCHEMA.gsi1.name}`;
    return written;
  };
  return roleStatements(templateOf(role), idOf(role)).flatMap((s) => {
    const actions = asArray(s.Action).filter(isTableAction);
    if (actions.length === 0) return [];
    expect(s.Effect, JSON.stringify(s)).toBe('Allow');
    const condition = s.Condition === undefined ? '' : ` if ${JSON.stringify(s.Condition)}`;
    return actions.flatMap((action) => asArray(s.Resource).map((r) => `${action} on ${name(r)}${condition}`));
  });
}

/** The application rate limiter's grant: UpdateItem on the table, only for items whose partition key is a counter's. */
const COUNTER_GRANT = `dynamodb:UpdateItem on table if ${JSON.stringify({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#RL#*'] },
})}`;

/** What the route table says a route's role may do, in the same form, with the counter grant where it is due. */
function declaredPermissions(route: (typeof routes)[number]): string[] {
  const declared = route.access.dynamodb.map((a) =>
    a === 'Query:gsi1' ? `dynamodb:Query on index/${TABLE_SCHEMA.gsi1.name}` : `dynamodb:${a} on table`,
  );
  return isTenantScoped(route) ? [...declared, COUNTER_GRANT] : declared;
}

/** IAM's StringLike: `*` is any run of characters (`#` included), `?` one; nothing else is special. */
function stringLike(pattern: string): RegExp {
  const literal = pattern.replace(/[.+^$(){}|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal.replaceAll('*', '.*').replaceAll('?', '.')}$`);
}

describe('the counter condition', () => {
  it("matches the rate limiter's counter keys and no other key of the table", () => {
    const like = stringLike(RATE_COUNTER_LEADING_KEYS);
    expect(RATE_COUNTER_LEADING_KEYS).toBe('T#*#RL#*');
    expect(keys.rateCounter('acme', 'tenant', 1_700_000_000, 0).pk).toMatch(like);
    expect(keys.rateCounter('a-b', 'token#client#0123456789abcdef012345', 1_700_000_060, 3).pk).toMatch(like);
    for (const pk of [
      keys.tenant('acme').pk,
      keys.user('acme', '01J0000000000000000000000').pk,
      keys.auditEntry('acme', '2024-01-01T00:00:00Z#x').pk,
      keys.idempotency('acme', 'f'.repeat(64)).pk,
      'RL#acme',
    ])
      expect(pk).not.toMatch(like);
  });
});

describe.each(labels)('region %s', (label) => {
  const stack = synth.stack(label);
  const api = stack.node.findChild('Api') as Api;
  const table = (stack.node.findChild('Table') as Table).table;

  it('gives every route function exactly its declared DynamoDB actions, on the table (Query on the GSI for Query:gsi1), plus the counter UpdateItem if tenant-scoped', () => {
    for (const route of routes) {
      const role = api.functions.get(route.id)!.role;
      expect(tablePermissions(role, table).sort(), route.id).toEqual(declaredPermissions(route).sort());
    }
  });

  it('grants the rate-limit counter UpdateItem to exactly the tenant-scoped route functions, and not to the authorizer', () => {
    const withCounter = routes.filter((r) =>
      tablePermissions(api.functions.get(r.id)!.role, table).includes(COUNTER_GRANT),
    );
    const tenantScoped = routes.filter(isTenantScoped);
    expect(tenantScoped.length).toBeGreaterThan(0);
    expect(withCounter.map((r) => r.id)).toEqual(tenantScoped.map((r) => r.id));
    // A route that UpdateItems itself (token) keeps that grant unconditioned beside the counter's.
    expect(tablePermissions(api.functions.get('token')!.role, table)).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem on table', COUNTER_GRANT]),
    );
    const authorizer = stack.node.findChild('TenantAuthorizer') as TenantAuthorizer;
    expect(tablePermissions(authorizer.handler.role, table)).toEqual(['dynamodb:GetItem on table']);
  });

  it('holds the admin API functions in the nested stack, checked there', () => {
    const nested = routes.filter((r) => r.stack === 'admin-api');
    expect(nested.length).toBeGreaterThan(0);
    for (const route of nested) {
      const role = api.functions.get(route.id)!.role;
      expect(Stack.of(role).nested, route.id).toBe(true);
    }
  });

  it('lets discovery and JWKS only GetItem (and count requests), the OpenAPI document nothing', () => {
    const only = (id: string) => tablePermissions(api.functions.get(id)!.role, table);
    expect(only('discovery')).toEqual(['dynamodb:GetItem on table', COUNTER_GRANT]);
    expect(only('jwks')).toEqual(['dynamodb:GetItem on table', COUNTER_GRANT]);
    expect(only('admin-openapi')).toEqual([]);
  });

  it('allows no role of the region a wildcard DynamoDB action, and Scan or BatchWriteItem only to the tenant purge', () => {
    const purge = `${Stack.of(api.functions.get('admin-tenant')!.role).node.path}/${idOf(api.functions.get('admin-tenant')!.role)}`;
    for (const { stack: s, template } of regionTemplates(stack)) {
      for (const roleId of Object.keys(template.findResources('AWS::IAM::Role'))) {
        const key = `${s.node.path}/${roleId}`;
        const actions = roleStatements(template, roleId).flatMap((st) => asArray(st.Action));
        expect(
          actions.filter((a) => a === '*' || a === 'dynamodb:*' || /^dynamodb:.*\*/.test(a)),
          key,
        ).toEqual([]);
        const bulk = actions.filter((a) => a === 'dynamodb:Scan' || a === 'dynamodb:BatchWriteItem');
        if (key !== purge) expect(bulk, key).toEqual([]);
      }
    }
  });
});
