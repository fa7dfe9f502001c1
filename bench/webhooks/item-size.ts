import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * DynamoDB's item size, from the documented rules (Developer Guide, "Item sizes and formats"), applied to the item as
 * the document client marshals it: the UTF-8 bytes of every attribute name plus the size of its value. Strings and
 * binaries are their length; a number is 1 byte per two significant digits + 1; a boolean or null is 1 byte; a map or
 * list is 3 bytes + 1 byte per element + its elements (a map element's name counts too); sets are their elements.
 */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  const marshalled = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
  return mapBytes(marshalled);
}

/** The item's JSON length: an upper-bound-ish proxy (quotes, braces and commas count; type overhead does not). */
export function jsonBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item), 'utf8');
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function mapBytes(map: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(map)) total += utf8(name) + valueBytes(value);
  return total;
}

function numberBytes(n: string): number {
  const digits = n
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1 + (n.startsWith('-') ? 1 : 0);
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (v.BS !== undefined) return v.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((sum, e) => sum + 1 + valueBytes(e), 0);
  if (v.M !== undefined) return 3 + Object.keys(v.M).length + mapBytes(v.M);
  return 0;
}

/** Write request units of one write of an item this size: 1 per KB (started); twice that inside a transaction. */
export function writeUnits(bytes: number, transactional = false): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

/** Read request units of a read returning this many bytes: 1 per 4 KB (started) strongly consistent, half eventually. */
export function readUnits(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
}
