/**
 * What every construct that owns Lambdas of the system is given: the plan and the resources its
 * functions may be bound to (each binds only what its own code uses; see WingFunction).
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Plan } from '../src/core/plan.js';

export interface SystemResources {
  /** The plan: the components whose tables and prefixes the functions read or restore. */
  readonly plan: Plan;
  /** The system table (lock, rollback records, catalog, mode, administrators, audit). */
  readonly systemTable: dynamodb.ITable;
  /** The vault: snapshots, the rollback logs, the status document. */
  readonly vaultBucket: s3.IBucket;
  /** The Object-Locked audit bucket. */
  readonly auditBucket: s3.IBucket;
  /** The vault key (envelope encryption of packs; the secrets' and topics' encryption). */
  readonly key: kms.IKey;
  readonly adminTopic: sns.ITopic;
  readonly userTopic: sns.ITopic;
  /** The bus of the `wing.rollback` events. */
  readonly eventBus: events.IEventBus;
  /** The plan's DynamoDB sources, by table name. */
  readonly componentTables: ReadonlyMap<string, dynamodb.ITable>;
  /** The plan's S3 sources, by bucket name. */
  readonly componentBuckets: ReadonlyMap<string, s3.IBucket>;
  /** Retention of the functions' logs (and the construct's own log groups). @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}
