/**
 * The Lambda side of the rollback Tasks without AWS: the environment read once at cold start, and
 * the handlers' input validation in front of RollbackSteps (a recording double of the steps: the
 * steps themselves run for real in test/statemachine).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { rollbackTaskHandlers, rollbackTaskNames } from '../../lambdas/rollback-task-handlers.js';
import { readAwsEnvironment } from '../../src/adapters/aws-environment.js';
import { ValidationError } from '../../src/core/errors.js';
import { defaultPlanInput } from '../../src/core/plan.js';
import type { RollbackSteps } from '../../src/rollback/rollback-steps.js';

const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

function recordingSteps(): { steps: RollbackSteps; calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a recording double stands in for the class
  const steps = new Proxy({}, {
    // Not a thenable: the handlers await the steps object itself.
    get: (_, method: string) => method === 'then' ? undefined : (...args: unknown[]) => {
      calls.push({ method, args });
      return Promise.resolve({ method });
    },
  }) as RollbackSteps;
  return { steps, calls };
}

describe('rollback Task handlers', () => {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

  it('there is one handler per Task name, each calling its step with the validated input', async () => {
    const { steps, calls } = recordingSteps();
    const handlers = rollbackTaskHandlers(() => Promise.resolve(steps), logger);
    expect(Object.keys(handlers).sort()).toEqual([...rollbackTaskNames].sort());
    await handlers.SetSystemMode({ rollbackId: 'rb-1', mode: 'recovery' }, context);
    await handlers.RestoreComponent({ rollbackId: 'rb-1', component: 'auth', snapshotId: 's', purpose: 'rollback', done: false, continuation: null }, context);
    expect(calls[0]).toEqual({ method: 'setSystemMode', args: [{ rollbackId: 'rb-1', mode: 'recovery' }] });
    expect(calls[1]?.method).toBe('restoreComponent');
    // The restore hands over a minute before Lambda's timeout.
    const deadline = calls[1]?.args[1] as number;
    expect(deadline - Date.now()).toBeGreaterThan(50_000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('refuses bad input with a ValidationError and calls nothing', async () => {
    const { steps, calls } = recordingSteps();
    const handlers = rollbackTaskHandlers(() => Promise.resolve(steps), logger);
    await expect(handlers.SetSystemMode({ rollbackId: 'rb-1', mode: 'party' }, context)).rejects.toBeInstanceOf(ValidationError);
    await expect(handlers.AcquireLock({ rollbackId: '../x' }, context)).rejects.toBeInstanceOf(ValidationError);
    await expect(handlers.RestoreComponent({ rollbackId: 'rb-1', component: 'auth', purpose: 'rollback' }, context)).rejects.toThrow(/snapshotId/);
    expect(calls).toEqual([]);
  });
});

describe('Lambda environment', () => {
  const plan = JSON.stringify(defaultPlanInput());

  it('reads the plan, key and bus once, validated', () => {
    const env = readAwsEnvironment({ WING_PLAN: plan, WING_KMS_KEY_ID: 'alias/wing', WING_EVENT_BUS_NAME: 'default', WING_ADMIN_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:admin', WING_USER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:users', AWS_REGION: 'eu-west-1' });
    expect(env.plan.components.map((c) => c.name)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
    expect(env).toMatchObject({ kmsKeyId: 'alias/wing', eventBusName: 'default', region: 'eu-west-1' });
  });

  it('names what is missing or wrong in one line', () => {
    expect(() => readAwsEnvironment({ WING_PLAN: plan, WING_EVENT_BUS_NAME: 'b' })).toThrow(/WING_KMS_KEY_ID/);
    const topics = { WING_ADMIN_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:admin', WING_USER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:users' };
    expect(() => readAwsEnvironment({ WING_PLAN: '{"components": 3}', WING_KMS_KEY_ID: 'k', WING_EVENT_BUS_NAME: 'b', ...topics })).toThrow(/WING_PLAN is not a valid plan/);
    expect(() => readAwsEnvironment({ WING_PLAN: plan, WING_KMS_KEY_ID: 'k', WING_EVENT_BUS_NAME: 'b', WING_ADMIN_TOPIC_ARN: 'not-an-arn', WING_USER_TOPIC_ARN: topics.WING_USER_TOPIC_ARN })).toThrow(/WING_ADMIN_TOPIC_ARN/);
  });
});
