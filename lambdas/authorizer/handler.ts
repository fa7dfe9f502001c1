import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { logger } from '../core/logger.ts';
import { keys } from '../core/store/keys.ts';
import {
  authorizeTenant,
  type FindTenantKey,
  rememberingMisses,
  TenantKeyNotProvisioned,
  UnknownTenants,
} from './authorize.ts';

const tableName = process.env.TABLE_NAME;
if (!tableName) throw new Error('Missing required environment variable TABLE_NAME');
const dynamodb = new DynamoDBClient({});

/** Reads only the two attributes the authorizer needs from the tenant item (read-only table access). */
export const findTenantKey: FindTenantKey = async (tenantId) => {
  const { pk, sk } = keys.tenant(tenantId);
  const out = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { pk: { S: pk }, sk: { S: sk } },
      ProjectionExpression: '#plan, apiKeyValue',
      ExpressionAttributeNames: { '#plan': 'plan' },
    }),
  );
  if (!out.Item) return undefined;
  return { plan: out.Item.plan?.S ?? 'unknown', apiKeyValue: out.Item.apiKeyValue?.S };
};

/** Made-up tenant ids, remembered for a minute by this container (see UnknownTenants). */
export const unknownTenants = new UnknownTenants();
const findKnownTenantKey = rememberingMisses(findTenantKey, unknownTenants);

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  try {
    return await authorizeTenant(event, findKnownTenantKey);
  } catch (error) {
    if (error instanceof TenantKeyNotProvisioned)
      logger.warn('tenant API key not provisioned yet', { path: event.path });
    else logger.error('authorizer failed', { error });
    throw error;
  }
}
