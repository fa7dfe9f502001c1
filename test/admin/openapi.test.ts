import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { admin, tenantWithKey } from '../support/admin.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { ADMIN_CALLS, ADMIN_CALLS_IN_RUNNABLE_ORDER, SAMPLE_BODIES, samplePathParams } from './samples.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, OperationDoc>> };
type OperationDoc = {
  requestBody?: { content: { 'application/json': { schema: object } } };
  responses: Record<string, { content: Record<string, { schema: object }> }>;
};

let keyway: LocalKeyway;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

beforeAll(async () => {
  keyway = await startTestKeyway();
  const res = await fetch(`${keyway.url}/admin/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
  const problem = (doc as unknown as { components: { schemas: { Problem: object } } }).components.schemas.Problem;
  ajv.addSchema(problem, '#/components/schemas/Problem');
});
afterAll(async () => keyway?.stop());

const adminCalls = ADMIN_CALLS;
const ordered = ADMIN_CALLS_IN_RUNNABLE_ORDER;

function validate(schema: object, value: unknown): string | undefined {
  const check = ajv.compile(schema);
  return check(value) ? undefined : ajv.errorsText(check.errors);
}

describe('OpenAPI 3.1 document at GET /admin/openapi.json', () => {
  it('has every admin route and method of the route table, and nothing else', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(adminCalls.map((c) => `${c.method} ${c.route.path}`).sort());
  });

  it('every sample request validates against its request schema, and the same body with an unknown field does not (where refused)', () => {
    for (const { route, method } of adminCalls) {
      const op = doc.paths[route.path]![method.toLowerCase()]!;
      const sample = SAMPLE_BODIES[route.id]?.[method];
      if (!op.requestBody) {
        expect(sample, `${method} ${route.path} has a sample but no request schema`).toBeUndefined();
        continue;
      }
      const schema = op.requestBody.content['application/json'].schema;
      expect(validate(schema, sample), `${method} ${route.path}`).toBeUndefined();
    }
  });

  it('a real response of every operation validates against the documented response schema', async () => {
    const { tenantId, key } = await tenantWithKey(keyway, 'openapi-live');
    const { params, receiver } = await samplePathParams(keyway, tenantId);
    for (const { route, method } of ordered) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(params[n]!));
      const body = SAMPLE_BODIES[route.id]?.[method];
      const r = await admin(keyway, method, path, { ...(body ? { body } : {}) });
      const op = doc.paths[route.path]![method.toLowerCase()]!;
      const documented = op.responses[String(r.res.status)];
      expect(documented, `${method} ${route.path} answered ${r.res.status}: ${JSON.stringify(r.body)}`).toBeDefined();
      const schema = documented!.content['application/json']!.schema;
      expect(validate(schema, r.body), `${method} ${route.path}`).toBeUndefined();
    }
    // Errors are problem details, as documented for every operation.
    const missing = await admin(keyway, 'GET', `/admin/tenants/${tenantId}-gone`, { key });
    const problem =
      doc.paths['/admin/tenants/{tenantId}']!.get!.responses.default!.content['application/problem+json']!.schema;
    expect(validate(problem, missing.body)).toBeUndefined();
    await receiver.stop();
  });
});
