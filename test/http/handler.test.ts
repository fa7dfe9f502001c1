import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/core/config.ts';
import { overrideDeps } from '../../lambdas/core/deps.ts';
import { InvalidGrant } from '../../lambdas/core/errors.ts';
import {
  createHandler as createBareHandler,
  type Endpoint,
  type HttpOptions,
} from '../../lambdas/core/http/handler.ts';
import { json } from '../../lambdas/core/http/types.ts';
import { NO_LIMITS } from '../../lambdas/core/rate-limit/limiter.ts';

const context = { awsRequestId: 'req-1', functionName: 'test', getRemainingTimeInMillis: () => 1000 } as Context;

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/{tenantId}/token',
    path: '/acme/token',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { tenantId: 'acme' },
    stageVariables: null,
    body: 'a=1',
    isBase64Encoded: false,
    requestContext: { requestId: 'trace-123', domainName: 'abc.execute-api.us-west-2.amazonaws.com', stage: 'prod' },
    ...overrides,
  } as APIGatewayProxyEvent;
}

/** The events here are for the tenant-scoped token route, which runs only with a rate limiter (one that counts nothing). */
const createHandler = (endpoint: Endpoint, options: HttpOptions = {}) =>
  createBareHandler(endpoint, { rateLimiter: () => NO_LIMITS, ...options });

beforeAll(() => overrideDeps({ config: parseConfig({ BASE_URL: 'https://id.example.com' }) }));

describe('createHandler', () => {
  it('refuses to run a tenant-scoped route without a rate limiter (fail closed)', async () => {
    const handler = createBareHandler(async () => json(200, {}));
    const result = await handler(event(), context);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'server_error' });
  });

  it('turns an unexpected exception into a 500 server_error that leaks nothing', async () => {
    const handler = createHandler(async () => {
      throw new Error('secret database detail');
    });
    const result = await handler(event(), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret');
    expect(JSON.parse(result.body)).toMatchObject({ code: 'server_error', status: 500, traceId: 'trace-123' });
  });

  it('serialises OAuth errors with RFC 6749 §5.2 fields as application/json on protocol endpoints', async () => {
    const handler = createHandler(
      async () => {
        throw new InvalidGrant('The code was already used.');
      },
      { oauth: true },
    );
    const result = await handler(event(), context);
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['Content-Type']).toMatch(/^application\/json/);
    expect(JSON.parse(result.body)).toMatchObject({
      error: 'invalid_grant',
      error_description: 'The code was already used.',
      type: 'urn:keyway:error:invalid_grant',
      status: 400,
      traceId: 'trace-123',
    });
  });

  it('RFC 6749 §3.1: refuses a repeated parameter', async () => {
    const handler = createHandler(async (req) => json(200, req.form), { oauth: true });
    const result = await handler(event({ body: 'a=1&a=2' }), context);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('parses form bodies, including base64-encoded ones, and sets no-store by default', async () => {
    const handler = createHandler(async (req) => json(200, { form: req.form, base: req.baseUrl }));
    const result = await handler(
      event({ body: Buffer.from('grant_type=x&b=%20y').toString('base64'), isBase64Encoded: true }),
      context,
    );
    expect(JSON.parse(result.body)).toEqual({ form: { grant_type: 'x', b: ' y' }, base: 'https://id.example.com' });
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    expect(result.headers?.['X-Request-Id']).toBe('trace-123');
  });
});
