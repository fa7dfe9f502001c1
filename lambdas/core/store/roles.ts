import { Conflict, InvalidRequest, NotFound } from '../errors.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';
import { BUILT_IN_ROLES } from './users.ts';

export interface Role {
  readonly tenantId: string;
  readonly name: string;
  readonly description?: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** How many users hold the role, kept in the transactions that assign and unassign it. */
  readonly assigned?: number;
}

export function isBuiltInRole(name: string): boolean {
  return (BUILT_IN_ROLES as readonly string[]).includes(name);
}

/**
 * Custom roles of a tenant. Every user write that assigns or drops a custom role carries `assignRole` for it in its
 * own transaction: the role must exist at that moment (a role deleted concurrently cannot end up assigned), and the
 * count it keeps is what lets `deleteRole` refuse a role still in use without scanning the users.
 */
export class RoleRepository {
  constructor(private readonly table: Table) {}

  createRole(role: Role): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.role(role.tenantId, role.name), type: 'role', ...role, assigned: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new Conflict(`The role "${role.name}" already exists.`),
    };
  }

  async listRoles(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<Role>> {
    const out = await queryPage(this.table, { partition: keys.tenant(tenantId).pk, sortPrefix: 'ROLE#' }, page);
    return { ...out, items: out.items.map((i) => strip<Role>(i)) };
  }

  async findRole(tenantId: string, name: string): Promise<Role | undefined> {
    const item = await this.table.get(keys.role(tenantId, name), true);
    return item ? strip<Role>(item) : undefined;
  }

  /** A custom role is added to (+1) or removed from (-1) a user; it must exist. */
  assignRole(tenantId: string, name: string, delta: 1 | -1): TransactionPart {
    return {
      write: {
        Update: {
          TableName: this.table.name,
          Key: keys.role(tenantId, name),
          UpdateExpression: 'ADD assigned :delta',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':delta': delta },
        },
      },
      onConditionFailed: () =>
        delta === 1 ? new InvalidRequest(`roles: the tenant has no role "${name}".`) : new NotFound('No such role.'),
    };
  }

  /** Refused (409) while the role is assigned to any user: unassign it first. */
  deleteRole(tenantId: string, name: string): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.role(tenantId, name),
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(assigned) OR assigned <= :zero)',
          ExpressionAttributeValues: { ':zero': 0 },
        },
      },
      onConditionFailed: () =>
        new Conflict(`The role "${name}" is assigned to users (or was just deleted); remove it from them first.`),
    };
  }
}

/** The role parts of a user write that goes from roles `before` to roles `after` (built-in roles need none). */
export function roleChanges(
  roles: RoleRepository,
  tenantId: string,
  before: readonly string[],
  after: readonly string[],
): TransactionPart[] {
  const custom = (list: readonly string[]) => list.filter((r) => !isBuiltInRole(r));
  return [
    ...custom(after)
      .filter((r) => !before.includes(r))
      .map((r) => roles.assignRole(tenantId, r, 1)),
    ...custom(before)
      .filter((r) => !after.includes(r))
      .map((r) => roles.assignRole(tenantId, r, -1)),
  ];
}
