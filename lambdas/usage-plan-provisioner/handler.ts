import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../core/logger.ts';
import { keys } from '../core/store/keys.ts';
import { type ProvisionerDeps, reconcileTenant, removeTenantKey, type TenantTable } from './provision.ts';

/**
 * DynamoDB stream consumer (tenant items only, filtered by the event source mapping). Runs with batch size 1 and
 * reserved concurrency 1: API Gateway's control plane allows few calls per second (CreateApiKey 5/s), so tenants
 * are provisioned one at a time, and the SDK's adaptive retry backs off on TooManyRequests. Failures are retried by
 * the event source mapping, then sent to its on-failure queue (alarmed).
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

const tableName = required('TABLE_NAME');
const dynamodb = new DynamoDBClient({});

export const tenantTable: TenantTable = {
  async get(tenantId) {
    const out = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: marshalKey(tenantId),
        ConsistentRead: true,
        ProjectionExpression: 'id, #plan, apiKeyId, apiKeyValue, apiKeyPlan',
        ExpressionAttributeNames: { '#plan': 'plan' },
      }),
    );
    const item = out.Item;
    if (!item?.plan?.S) return undefined;
    return {
      id: item.id?.S ?? tenantId,
      plan: item.plan.S,
      apiKeyId: item.apiKeyId?.S,
      apiKeyValue: item.apiKeyValue?.S,
      apiKeyPlan: item.apiKeyPlan?.S,
    };
  },
  async recordKey(tenantId, plan, key) {
    try {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: marshalKey(tenantId),
          UpdateExpression: 'SET apiKeyId = :id, apiKeyValue = :value, apiKeyPlan = :plan',
          // Only while the item still exists and is still on the plan we attached the key for; otherwise a newer
          // change is behind this one in the stream and will reconcile.
          ConditionExpression: 'attribute_exists(pk) AND #plan = :plan',
          ExpressionAttributeNames: { '#plan': 'plan' },
          ExpressionAttributeValues: { ':id': { S: key.id }, ':value': { S: key.value }, ':plan': { S: plan } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },
};

const deps: ProvisionerDeps = {
  apigateway: new APIGatewayClient({ retryMode: 'adaptive', maxAttempts: 8 }),
  table: tenantTable,
  usagePlanIds: JSON.parse(required('USAGE_PLAN_IDS')) as Record<string, string>,
  keyNamePrefix: required('API_KEY_NAME_PREFIX'),
};

function marshalKey(tenantId: string) {
  const { pk, sk } = keys.tenant(tenantId);
  return { pk: { S: pk }, sk: { S: sk } };
}

export async function handler(event: DynamoDBStreamEvent): Promise<void> {
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S ?? '';
    if (!pk.startsWith('T#') || record.dynamodb?.Keys?.sk?.S !== 'TENANT') continue;
    const tenantId = pk.slice(2);
    const outcome =
      record.eventName === 'REMOVE'
        ? await removeTenantKey(tenantId, record.dynamodb?.OldImage?.apiKeyId?.S, deps)
        : await reconcileTenant(tenantId, deps);
    logger.info('tenant API key reconciled', { tenantId, eventName: record.eventName, outcome });
  }
}
