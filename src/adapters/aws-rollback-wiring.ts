/**
 * The rollback services on AWS, over real clients: DynamoDB, S3 (SSE-KMS), KMS data keys,
 * EventBridge, the rollback log as S3 objects. The Lambdas build them from their environment,
 * the CLI's `--target aws` from the stack's outputs; both through this one function.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { NoticeTopic } from '../core/notifications.js';
import type { Plan } from '../core/plan.js';
import { systemClock } from '../core/ports.js';
import type { RollbackLog } from '../core/rollback-log.js';
import { rollbackServices, type RollbackServices } from '../rollback/rollback-services.js';
import { EventBridgePublisher } from './eventbridge-publisher.js';
import { KmsKeyService } from './kms-key-service.js';
import { ObjectStoreRollbackLog } from './object-store-rollback-log.js';
import { S3ObjectStore } from './s3-object-store.js';
import { SnsNotifier } from './sns-notifier.js';

export interface AwsRollbackConfig {
  readonly plan: Plan;
  readonly kmsKeyId: string;
  readonly eventBusName: string;
  readonly topicArns: Readonly<Record<NoticeTopic, string>>;
  readonly region?: string | undefined;
  /** Wraps the S3 rollback log (the Lambdas mirror every line to CloudWatch Logs). */
  readonly mirrorLog?: (log: RollbackLog) => RollbackLog;
}

export function awsRollbackServicesFor(config: AwsRollbackConfig): RollbackServices {
  const clientConfig = config.region ? { region: config.region } : {};
  const s3 = new S3Client(clientConfig);
  const vaultStore = new S3ObjectStore(s3, config.plan.vaultBucket, config.kmsKeyId);
  const log = new ObjectStoreRollbackLog(vaultStore);
  return rollbackServices({
    plan: config.plan,
    dynamo: new DynamoDBClient(clientConfig),
    s3,
    vaultStore,
    keys: new KmsKeyService(new KMSClient(clientConfig), config.kmsKeyId),
    events: new EventBridgePublisher(new EventBridgeClient(clientConfig), config.eventBusName),
    notifier: new SnsNotifier(new SNSClient(clientConfig), config.topicArns),
    log: config.mirrorLog ? config.mirrorLog(log) : log,
    clock: systemClock,
    auditObjectLock: true,
  });
}
