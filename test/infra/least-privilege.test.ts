import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/core/store/schema.ts';
import { routes } from '../../lambdas/routes.ts';
import type { Api } from '../../lib/api.ts';
import type { Table } from '../../lib/table.ts';
import { CDK_CONTEXT, idOf, regionTemplates, synthesize, templateOf } from './app.ts';

/*
 * Each route's function may do on the table exactly what its `access.dynamodb` in the route table says (which
 * test/http/route-actions.test.ts proves is what the handler sends): those actions on the table's ARN, dynamodb:Query
 * on the GSI's ARN for `Query:gsi1`, nothing else, in every regional stack and the admin API's nested stack.
 */

// One synthesis of the real app for the whole file (bundling skipped; see bundles.test.ts).
const synth = synthesize();
const labels = Object.keys(CDK_CONTEXT.regions as Record<string, string>);

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown };
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
 * A role's DynamoDB permissions as `{action} on {resource}`, the resource named `table` or `index/gsi1` when it is
 * that ARN of the region's table, else as written (which then matches nothing expected).
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
    return actions.flatMap((action) => asArray(s.Resource).map((r) => `${action} on ${name(r)}`));
  });
}

/** What the route table says a route's role may do, in the same form. */
function declaredPermissions(route: (typeof routes)[number]): string[] {
  return route.access.dynamodb.map((a) =>
    a === 'Query:gsi1' ? `dynamodb:Query on index/${TABLE_SCHEMA.gsi1.name}` : `dynamodb:${a} on table`,
  );
}

describe.each(labels)('region %s', (label) => {
  const stack = synth.stack(label);
  const api = stack.node.findChild('Api') as Api;
  const table = (stack.node.findChild('Table') as Table).table;

  it('gives every route function exactly its declared DynamoDB actions, on the table (Query on the GSI for Query:gsi1)', () => {
    for (const route of routes) {
      const role = api.functions.get(route.id)!.role;
      expect(tablePermissions(role, table).sort(), route.id).toEqual(declaredPermissions(route).sort());
    }
  });

  it('holds the admin API functions in the nested stack, checked there', () => {
    const nested = routes.filter((r) => r.stack === 'admin-api');
    expect(nested.length).toBeGreaterThan(0);
    for (const route of nested) {
      const role = api.functions.get(route.id)!.role;
      expect(Stack.of(role).nested, route.id).toBe(true);
    }
  });

  it('lets discovery and JWKS only GetItem, the OpenAPI document nothing', () => {
    const only = (id: string) => tablePermissions(api.functions.get(id)!.role, table);
    expect(only('discovery')).toEqual(['dynamodb:GetItem on table']);
    expect(only('jwks')).toEqual(['dynamodb:GetItem on table']);
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
