import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/core/store/schema.ts';

export interface TableProps {
  /**
   * What happens to the table when the stack is deleted. Tenants, users and passkeys live here.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single table (shape shared with local mode through TABLE_SCHEMA): on-demand, point-in-time recovery,
 * TTL for codes/sessions/tokens, deletion protection, encrypted with an AWS managed key, retained on delete.
 * The stream (new and old images) feeds the usage-plan provisioner and, through the webhook pipe, the dispatcher.
 */
export class Table extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TableProps = {}) {
    super(scope, id);
    const { partitionKey, sortKey, ttlAttribute, gsi1 } = TABLE_SCHEMA;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: ttlAttribute,
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: gsi1.name,
      partitionKey: { name: gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
