/**
 * The rollback services of a Lambda on AWS, built once per cold start from the environment
 * (src/adapters/aws-rollback-wiring.ts), with the rollback log mirrored to CloudWatch Logs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { readAwsEnvironment } from '../src/adapters/aws-environment.js';
import { awsRollbackServicesFor } from '../src/adapters/aws-rollback-wiring.js';
import type { RollbackLog, RollbackLogEntry } from '../src/core/rollback-log.js';
import type { RollbackServices } from '../src/rollback/rollback-services.js';
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
    return awsRollbackServicesFor({ plan: env.plan, kmsKeyId: env.kmsKeyId, eventBusName: env.eventBusName, topicArns: env.topicArns, region: env.region, mirrorLog: (log) => new CloudWatchMirroredLog(log) });
  });
  return services;
}

export const awsTaskHandlers = rollbackTaskHandlers(async () => (await awsRollbackServices()).steps, logger);
