import { readFileSync } from 'node:fs';
import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, TEST_EVENT_TYPE } from '../../lambdas/core/events/catalog.ts';

/**
 * docs/WEBHOOKS.md is what integrators code against: one example per event type. These checks keep it in step with
 * the catalog in lambdas/core/events/catalog.ts (no server needed).
 */
const doc = readFileSync(new URL('../../docs/WEBHOOKS.md', import.meta.url), 'utf8');
const DOCUMENTED_TYPES: readonly string[] = [...EVENT_TYPES, TEST_EVENT_TYPE];
const EVENT_ID = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Anything that would make an example look like it carries a secret, a token or a hash of one. */
const SECRET_LOOKING = [
  /whsec_/,
  /kws_/,
  /kw_sk_/,
  /kw_admin_/,
  /secret_hash/i,
  /"(refresh_token|access_token|id_token|client_secret|secret|code)"\s*:/,
];

/** The text of one `## ` section, from its heading to the next `## ` heading. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/WEBHOOKS.md has no "## ${title}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The body of the `### \`type\`` section: up to the next heading of any level from one to three. */
function typeSection(type: string): string | undefined {
  const heading = `\n### \`${type}\`\n`;
  const start = doc.indexOf(heading);
  if (start < 0) return undefined;
  const rest = doc.slice(start + heading.length);
  const next = rest.search(/^#{1,3} /m);
  return next < 0 ? rest : rest.slice(0, next);
}

function jsonBlocks(text: string): string[] {
  return [...text.matchAll(/^```json[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => m[1]!);
}

/** Every fenced block's info string in the text (```json, ```ts, …). */
function fences(text: string): string[] {
  return [...text.matchAll(/^```(\S*)/gm)].map((m) => m[1]!).filter((_, i) => i % 2 === 0);
}

function exampleOf(type: string): Record<string, unknown> {
  const body = typeSection(type);
  if (body === undefined) throw new Error(`no ### \`${type}\` section`);
  const [block] = jsonBlocks(body);
  if (block === undefined) throw new Error(`no json example under ### \`${type}\``);
  return JSON.parse(block) as Record<string, unknown>;
}

describe('docs/WEBHOOKS.md documents every event type with one example', () => {
  it.each(DOCUMENTED_TYPES)(
    '%s has its own section with exactly one json example, and no other fenced block',
    (type) => {
      const body = typeSection(type);
      expect(body, `### \`${type}\` is missing`).toBeDefined();
      expect(jsonBlocks(body!)).toHaveLength(1);
      expect(fences(body!)).toEqual(['json']);
    },
  );

  it.each(DOCUMENTED_TYPES)('the %s example is a whole event: id, type, timestamp, tenant_id, data', (type) => {
    const event = exampleOf(type);
    expect(Object.keys(event).sort()).toEqual(['data', 'id', 'tenant_id', 'timestamp', 'type']);
    expect(event.type).toBe(type);
    expect(event.id).toMatch(EVENT_ID);
    expect(event.timestamp).toMatch(ISO_8601);
    expect(Number.isNaN(Date.parse(event.timestamp as string))).toBe(false);
    expect(typeof event.tenant_id).toBe('string');
    expect(typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data)).toBe(true);
  });

  it.each(DOCUMENTED_TYPES)('the %s example is timestamped with the millisecond its id encodes', (type) => {
    const event = exampleOf(type);
    expect(new Date(decodeTime((event.id as string).slice('evt_'.length))).toISOString()).toBe(event.timestamp);
  });

  it.each(DOCUMENTED_TYPES)('the %s example contains nothing that looks like a secret, a token or a hash', (type) => {
    const block = jsonBlocks(typeSection(type) ?? '')[0] ?? '';
    for (const pattern of SECRET_LOOKING) expect(block).not.toMatch(pattern);
  });

  it('every example has an id of its own', () => {
    const ids = DOCUMENTED_TYPES.map((type) => exampleOf(type).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('docs/WEBHOOKS.md mentions no type outside the catalog', () => {
  it('every ### `type` heading names a type of the catalog (or webhook.test), each once', () => {
    const headings = [...doc.matchAll(/^### `([^`]+)`/gm)].map((m) => m[1]!);
    for (const heading of headings) expect(DOCUMENTED_TYPES).toContain(heading);
    expect(new Set(headings).size).toBe(headings.length);
  });

  it('the catalog section headings are exactly the catalog types and webhook.test, in catalog order', () => {
    const catalog = section('Event catalog');
    const headings = [...catalog.matchAll(/^### (.+)$/gm)].map((m) => m[1]!);
    expect(headings).toEqual(DOCUMENTED_TYPES.map((type) => `\`${type}\``));
  });

  it('the catalog table has one row per type, and only those', () => {
    const catalog = section('Event catalog');
    const rows = [...catalog.matchAll(/^\| `([a-z_]+\.[a-z_]+)` +\|/gm)].map((m) => m[1]!);
    expect(rows).toEqual([...DOCUMENTED_TYPES]);
  });

  it('every example type in the docs, wherever it appears, is a known type', () => {
    const types = jsonBlocks(doc).flatMap((block) => {
      try {
        const parsed = JSON.parse(block) as { type?: unknown; items?: { type?: unknown }[] };
        return [parsed.type, ...(parsed.items ?? []).map((item) => item.type)].filter((t) => typeof t === 'string');
      } catch {
        return [];
      }
    });
    expect(types.length).toBeGreaterThanOrEqual(DOCUMENTED_TYPES.length);
    for (const type of types) expect(DOCUMENTED_TYPES).toContain(type);
  });
});
