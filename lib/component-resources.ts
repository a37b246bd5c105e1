/**
 * The WING tables and buckets the plan's components read: imported by name (an account that runs
 * WING), or created (`createDemoComponents`: a demo account, with the plan's names, which for the
 * default plan are src/core/plan.ts's defaultResourceNames). Created tables have WING's key schema
 * (`pk`, `sk`, strings) and are encrypted with the given key.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Plan } from '../src/core/plan.js';

export interface ComponentResourcesProps {
  readonly plan: Plan;
  /** Create the tables and buckets (demo), or import them by name. */
  readonly create: boolean;
  /** Encrypts created tables and buckets. Required with `create`. */
  readonly encryptionKey?: kms.IKey;
  /** Receives created buckets' server access logs. Required with `create`. */
  readonly accessLogsBucket?: s3.IBucket;
  /** Of created tables (demo data). Created buckets are always retained: S3 cannot delete a bucket that still holds objects. @default RemovalPolicy.DESTROY */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

export class ComponentResources extends Construct {
  /** By table name. */
  readonly tables: ReadonlyMap<string, dynamodb.ITable>;
  /** By bucket name. */
  readonly buckets: ReadonlyMap<string, s3.IBucket>;

  constructor(scope: Construct, id: string, props: ComponentResourcesProps) {
    super(scope, id);
    const tables = new Map<string, dynamodb.ITable>();
    const buckets = new Map<string, s3.IBucket>();
    if (props.create && (props.encryptionKey === undefined || props.accessLogsBucket === undefined)) {
      throw new Error('ComponentResources: creating the demo components needs encryptionKey and accessLogsBucket');
    }
    for (const c of props.plan.components) {
      for (const source of c.sources) {
        if (source.type === 'dynamodb' && !tables.has(source.tableName)) {
          tables.set(source.tableName, props.create ? this.createTable(source.tableName, props) : dynamodb.Table.fromTableName(this, `Table-${source.tableName}`, source.tableName));
        }
        if (source.type === 's3' && !buckets.has(source.bucketName)) {
          buckets.set(source.bucketName, props.create ? this.createBucket(source.bucketName, props) : s3.Bucket.fromBucketName(this, `Bucket-${source.bucketName}`, source.bucketName));
        }
      }
    }
    this.tables = tables;
    this.buckets = buckets;
  }

  private createTable(name: string, props: ComponentResourcesProps): dynamodb.Table {
    return new dynamodb.Table(this, `Table-${name}`, {
      tableName: name,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  private createBucket(name: string, props: ComponentResourcesProps): s3.Bucket {
    return new s3.Bucket(this, `Bucket-${name}`, {
      bucketName: name,
      encryption: s3.BucketEncryption.KMS,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...(props.accessLogsBucket ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: `components/${name}/` } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
