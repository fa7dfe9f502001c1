import { sha256 } from '../crypto.ts';
import { Conflict, NotFound } from '../errors.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Page, queryPage } from './paging.ts';
import type { Table } from './table.ts';
import type { TransactionPart } from './transaction.ts';

/**
 * A resource server (API) registered with a tenant (RFC 8707): clients ask for tokens for it with `resource`, and
 * those tokens carry its identifier as `aud`.
 */
export interface Resource {
  readonly tenantId: string;
  /** `rs_` + 22 characters of the identifier's SHA-256: one id per identifier, derivable from it. */
  readonly resourceId: string;
  /** The absolute URI clients send as `resource` and that becomes `aud`. */
  readonly identifier: string;
  readonly name: string;
  /** The API scopes a token for this resource may carry (next to the OpenID scopes). */
  readonly scopes: readonly string[];
  /** Lifetime of access tokens for this resource, seconds; absent: the client's, else the tenant's. */
  readonly accessTokenTtlSeconds?: number;
  /**
   * The confidential client the resource server authenticates as at the introspection endpoint: it may introspect
   * tokens whose `aud` is this resource (RFC 7662 §2.1).
   */
  readonly clientId?: string;
  /** Epoch seconds. */
  readonly createdAt: number;
}

export function resourceIdOf(identifier: string): string {
  return `rs_${sha256(identifier).slice(0, 22)}`;
}

export const RESOURCE_ID_PATTERN = /^rs_[A-Za-z0-9_-]{22}$/;

export class ResourceRepository {
  constructor(private readonly table: Table) {}

  /** Registered once per identifier (the id is derived from it): a second registration is a 409. */
  createResource(resource: Resource): TransactionPart {
    return {
      write: {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.resource(resource.tenantId, resource.resourceId), type: 'resource', ...resource },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new Conflict(`The resource "${resource.identifier}" is already registered.`),
    };
  }

  async listResources(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<Resource>> {
    const out = await queryPage(this.table, { partition: keys.tenant(tenantId).pk, sortPrefix: 'RESOURCE#' }, page);
    return { ...out, items: out.items.map((i) => strip<Resource>(i)) };
  }

  async findResource(tenantId: string, resourceId: string, consistent = false): Promise<Resource | undefined> {
    if (!RESOURCE_ID_PATTERN.test(resourceId)) return undefined;
    const item = await this.table.get(keys.resource(tenantId, resourceId), consistent);
    return item ? strip<Resource>(item) : undefined;
  }

  /** The resource a `resource` parameter names (one GetItem), if the tenant registered it. */
  async findByIdentifier(tenantId: string, identifier: string): Promise<Resource | undefined> {
    const found = await this.findResource(tenantId, resourceIdOf(identifier));
    // The id is a truncated hash: the stored identifier must be the one asked for.
    return found?.identifier === identifier ? found : undefined;
  }

  deleteResource(tenantId: string, resourceId: string): TransactionPart {
    return {
      write: {
        Delete: {
          TableName: this.table.name,
          Key: keys.resource(tenantId, resourceId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: () => new NotFound('No such resource.'),
    };
  }
}
