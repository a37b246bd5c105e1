/**
 * The AWS executor of rollbacks against a mocked Step Functions client (aws-sdk-client-mock):
 * what it starts, how it waits, and how cleanup learns whether an execution still runs. The
 * flow itself is tested on the real ASL file locally (test/statemachine).
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsExecutor } from '../../src/adapters/step-functions-executor.js';
import type { RollbackRecord } from '../../src/core/rollback-journal.js';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:wing-emergency-rollback';
const sfn = mockClient(SFNClient);

function record(executor: RollbackRecord['executor']): RollbackRecord {
  return { executor } as RollbackRecord;
}

describe('StepFunctionsExecutor', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('starts one execution named by the rollback id, whose ARN is known before it starts, and waits for it to end', async () => {
    const executor = new StepFunctionsExecutor(new SFNClient({}), SM, 1);
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:wing-emergency-rollback:rb-1';
    expect(executor.executorOf('rb-1')).toEqual({ executionArn: arn });
    sfn.on(StartExecutionCommand).resolves({ executionArn: arn, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'FAILED' });
    const started = await executor.start('rb-1');
    expect(started.executor).toEqual({ executionArn: arn });
    await started.finished();
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({ stateMachineArn: SM, name: 'rb-1', input: '{"rollbackId":"rb-1"}' });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
  });

  it('an execution is alive while RUNNING; ended, unknown or a local record is not', async () => {
    const executor = new StepFunctionsExecutor(new SFNClient({}), SM, 1);
    const arn = { executionArn: `${SM}:x` };
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolvesOnce({ status: 'SUCCEEDED' }).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    expect(await executor.isAlive(record(arn))).toBe(true);
    expect(await executor.isAlive(record(arn))).toBe(false);
    expect(await executor.isAlive(record(arn))).toBe(false);
    expect(await executor.isAlive(record({ host: 'h', pid: 1 }))).toBe(false);
    expect(await executor.isAlive(record(null))).toBe(false);
  });
});
