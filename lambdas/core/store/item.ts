import type { Item } from './table.ts';

/** An item without its key and bookkeeping attributes: the entity the repositories hand out. */
export function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, type: _type, ttl: _ttl, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}
