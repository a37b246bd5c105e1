/**
 * The admin API's dependencies on AWS, built once per cold start: the rollback services, the
 * administrators and audit trail in the system table, sessions signed with the key from Secrets
 * Manager, rollbacks started as Step Functions executions and followed through their history.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { AdminApiDeps } from '../src/api/admin-api.js';
import { readAdminApiEnvironment } from '../src/adapters/aws-environment.js';
import { DynamoSessionRevocations } from '../src/adapters/dynamodb-session-revocations.js';
import { loadSessionKeyFromSecret } from '../src/adapters/secrets-manager-session-key.js';
import { StepFunctionsExecutionHistory } from '../src/adapters/step-functions-history.js';
import { StepFunctionsExecutor } from '../src/adapters/step-functions-executor.js';
import { AdminSessions } from '../src/core/admin-sessions.js';
import { RollbackOperations } from '../src/rollback/rollback-operations.js';
import { awsRollbackServices, logger } from './aws-rollback-services.js';

export async function awsAdminApiDeps(): Promise<AdminApiDeps> {
  const env = readAdminApiEnvironment();
  const config = env.region ? { region: env.region } : {};
  const services = await awsRollbackServices();
  const sfn = new SFNClient(config);
  const admins = services.admins;
  const key = await loadSessionKeyFromSecret(new SecretsManagerClient(config), env.sessionKeySecretArn);
  return {
    operations: new RollbackOperations({ services, executor: new StepFunctionsExecutor(sfn, env.stateMachineArn) }),
    sessions: new AdminSessions({ admins, gate: services.gate, clock: services.clock, key, revocations: new DynamoSessionRevocations(services.systemTable) }),
    admins,
    audit: services.audit,
    history: new StepFunctionsExecutionHistory(sfn, env.stateMachineArn),
    logError: (message, err) => {
      logger.error(message, { err });
    },
  };
}
