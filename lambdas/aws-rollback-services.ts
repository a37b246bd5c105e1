/**
 * The rollback services of a Lambda on AWS, built once per cold start from the environment:
 * DynamoDB, S3 (SSE-KMS), KMS data keys, EventBridge, the rollback log as S3 objects.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { readAwsEnvironment } from '../src/adapters/aws-environment.js';
import { EventBridgePublisher } from '../src/adapters/eventbridge-publisher.js';
import { KmsKeyService } from '../src/adapters/kms-key-service.js';
import { ObjectStoreRollbackLog } from '../src/adapters/object-store-rollback-log.js';
import { S3ObjectStore } from '../src/adapters/s3-object-store.js';
import { systemClock } from '../src/core/ports.js';
import type { RollbackLog, RollbackLogEntry } from '../src/core/rollback-log.js';
import { rollbackServices, type RollbackServices } from '../src/rollback/rollback-services.js';
import { rollbackTaskHandlers } from './rollback-task-handlers.js';

export const logger = new Logger({ serviceName: 'wing-rollback' });

/** Every line of the rollback log goes to S3 (the readable log) and to CloudWatch Logs (structured). */
class CloudWatchMirroredLog implements RollbackLog {
  constructor(private readonly inner: RollbackLog) {}
  async append(rollbackId: string, entry: RollbackLogEntry): Promise<void> {
    logger.info(entry.message, { rollbackId, step: entry.step, at: entry.at.toISOString(), ...entry.fields });
    await this.inner.append(rollbackId, entry);
  }
  read(rollbackId: string): Promise<string> {
    return this.inner.read(rollbackId);
  }
}

let services: Promise<RollbackServices> | undefined;

export function awsRollbackServices(): Promise<RollbackServices> {
  services ??= Promise.resolve().then(() => {
    const env = readAwsEnvironment();
    const config = env.region ? { region: env.region } : {};
    const s3 = new S3Client(config);
    const vaultStore = new S3ObjectStore(s3, env.plan.vaultBucket, env.kmsKeyId);
    return rollbackServices({
      plan: env.plan,
      dynamo: new DynamoDBClient(config),
      s3,
      vaultStore,
      keys: new KmsKeyService(new KMSClient(config), env.kmsKeyId),
      events: new EventBridgePublisher(new EventBridgeClient(config), env.eventBusName),
      log: new CloudWatchMirroredLog(new ObjectStoreRollbackLog(vaultStore)),
      clock: systemClock,
    });
  });
  return services;
}

export const awsTaskHandlers = rollbackTaskHandlers(async () => (await awsRollbackServices()).steps, logger);
