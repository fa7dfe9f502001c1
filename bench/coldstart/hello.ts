import type { APIGatewayProxyResult } from 'aws-lambda';

/** The cold-start baseline: a handler that imports nothing and answers at once, bundled like every route. */
export const handler = async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: { 'Content-Type': 'text/plain' },
  body: 'hello, world',
});
