/**
 * The AWS-side pieces of the admin API against mocked clients (aws-sdk-client-mock): the live
 * timeline from Step Functions' execution history, the session key from Secrets Manager, the
 * Lambdas' environment, and the "no watcher unless waited for" start of an execution. The
 * routes themselves run against the emulators in test/integration/admin-api.test.ts.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readAdminApiEnvironment } from '../../src/adapters/aws-environment.js';
import { loadSessionKeyFromSecret } from '../../src/adapters/secrets-manager-session-key.js';
import { StepFunctionsExecutionHistory } from '../../src/adapters/step-functions-history.js';
import { StepFunctionsExecutor } from '../../src/adapters/step-functions-executor.js';
import { defaultPlan } from '../../src/core/plan.js';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:wing-emergency-rollback';
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);

beforeEach(() => {
  sfn.reset();
  secrets.reset();
});

describe('StepFunctionsExecutionHistory', () => {
  it('turns the execution history into entered, succeeded and failed steps, with the component of Map iterations', async () => {
    const t = (s: number): Date => new Date(Date.UTC(2026, 11, 1, 3, 0, s));
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          { id: 1, type: 'ExecutionStarted', timestamp: t(0) },
          { id: 2, type: 'TaskStateEntered', timestamp: t(1), stateEnteredEventDetails: { name: 'AcquireLock', input: '{"rollbackId":"rb-1"}' } },
          { id: 3, type: 'TaskStateExited', timestamp: t(2), stateExitedEventDetails: { name: 'AcquireLock' } },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        events: [
          { id: 4, type: 'TaskStateEntered', timestamp: t(3), stateEnteredEventDetails: { name: 'RestoreComponent', input: '{"rollbackId":"rb-1","component":"auth"}' } },
          { id: 5, type: 'LambdaFunctionFailed', timestamp: t(4), lambdaFunctionFailedEventDetails: { error: 'IntegrityError', cause: 'digest mismatch' } },
          { id: 6, type: 'PassStateEntered', timestamp: t(5), stateEnteredEventDetails: { name: 'ComponentFailed', input: '{}' } },
        ],
      });
    const steps = await new StepFunctionsExecutionHistory(new SFNClient({}), SM).steps('rb-1');
    expect(steps).toEqual([
      { state: 'AcquireLock', status: 'entered', at: t(1).toISOString() },
      { state: 'AcquireLock', status: 'succeeded', at: t(2).toISOString() },
      { state: 'RestoreComponent', status: 'entered', at: t(3).toISOString(), component: 'auth' },
      { state: 'RestoreComponent', status: 'failed', at: t(4).toISOString(), component: 'auth', detail: 'IntegrityError: digest mismatch' },
      { state: 'ComponentFailed', status: 'entered', at: t(5).toISOString() },
    ]);
    const calls = sfn.commandCalls(GetExecutionHistoryCommand);
    expect(calls[0]?.args[0].input.executionArn).toBe('arn:aws:states:eu-west-1:123456789012:execution:wing-emergency-rollback:rb-1');
    expect(calls[1]?.args[0].input.nextToken).toBe('page-2');
  });

  it('an execution that does not exist yet has no steps', async () => {
    sfn.on(GetExecutionHistoryCommand).rejects(new ExecutionDoesNotExist({ message: 'no such execution', $metadata: {} }));
    expect(await new StepFunctionsExecutionHistory(new SFNClient({}), SM).steps('rb-2')).toEqual([]);
  });
});

describe('StepFunctionsExecutor started without waiting', () => {
  it('starts the execution and polls nothing until someone waits', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM}:rb-3`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    const started = await new StepFunctionsExecutor(new SFNClient({}), SM, 1).start('rb-3');
    await new Promise((r) => setTimeout(r, 20));
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    await started.finished();
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });
});

describe('the session key from Secrets Manager', () => {
  it('uses the secret string as the key', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
    const key = await loadSessionKeyFromSecret(new SecretsManagerClient({}), 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wing-session-key');
    expect(key).toHaveLength(64);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toContain('wing-session-key');
  });

  it('refuses a key shorter than 32 bytes', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(loadSessionKeyFromSecret(new SecretsManagerClient({}), 'wing-session-key')).rejects.toThrow(/at least 32 bytes/);
  });
});

describe('the admin API Lambdas environment', () => {
  const base = {
    WING_PLAN: JSON.stringify({ components: defaultPlan().components }),
    WING_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
    WING_EVENT_BUS_NAME: 'default',
    WING_ADMIN_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:wing-rollback-admin',
    WING_USER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:wing-rollback-user-notices',
    WING_STATE_MACHINE_ARN: SM,
    WING_SESSION_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wing-session-key',
  };

  it('reads the state machine and the session key secret beside the rollback services', () => {
    const env = readAdminApiEnvironment(base);
    expect(env.stateMachineArn).toBe(SM);
    expect(env.plan.components.map((c) => c.name)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
  });

  it('fails the cold start with one line naming a missing variable', () => {
    const missing: Record<string, string> = { ...base };
    delete missing.WING_SESSION_KEY_SECRET_ARN;
    expect(() => readAdminApiEnvironment(missing)).toThrow(/WING_SESSION_KEY_SECRET_ARN/);
  });
});
