import type { Item } from './table.ts';

/** An item without its key and bookkeeping attributes: the entity the repositories hand out. */
export function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, type: _type, ttl: _ttl, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

/** The stored item is still the one `old` was read from: every admin write moves `updatedAt` (epoch ms). */
export function unchangedSince(old: { readonly updatedAt?: number }) {
  return old.updatedAt === undefined
    ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(updatedAt)' }
    : {
        ConditionExpression: 'attribute_exists(pk) AND updatedAt = :updated',
        ExpressionAttributeValues: { ':updated': old.updatedAt },
      };
}
