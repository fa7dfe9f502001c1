import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createDocumentClient } from '../../lambdas/core/store/table.ts';

/**
 * A second cold-start reference: the AWS SDK floor. Only the DynamoDB document client, created the way the
 * handlers create it, and one GetItem. Every table-backed route pays at least this.
 */
const { doc } = createDocumentClient({
  region: process.env.AWS_REGION ?? 'us-west-2',
  endpoint: process.env.DYNAMODB_ENDPOINT,
});

export const handler = async (): Promise<APIGatewayProxyResult> => {
  const out = await doc.send(
    new GetCommand({ TableName: process.env.TABLE_NAME ?? 'keyway', Key: { pk: 'T#bench', sk: 'TENANT' } }),
  );
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(out.Item ?? {}) };
};
