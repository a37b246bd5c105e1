/**
 * The rollback system's own table: catalog, administrators, audit trail, locks, rate limits,
 * system mode, health state (src/adapters/system-table.ts). String keys `pk` and `sk`, no
 * secondary index; `expiresAt` is the TTL of rate-limit states and session revocations. Its
 * name is the plan's `systemTable`, which the Lambdas read from the plan. Never restored by a
 * rollback, never deleted with the stack.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SystemTableProps {
  /** The plan's `systemTable`. */
  readonly tableName: string;
  /** The customer-managed key encrypting the table (the vault key). */
  readonly encryptionKey: kms.IKey;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class SystemTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SystemTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
