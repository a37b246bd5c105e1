/**
 * Runs rollbacks on AWS: one Step Functions execution of the rollback state machine per rollback,
 * named by the rollback id (so a repeated start of the same rollback is refused by Step Functions
 * itself), watched with DescribeExecution. The execution's ARN is what the rollback record keeps,
 * and cleanup asks Step Functions whether it still runs.
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { RollbackRecord } from '../core/rollback-journal.js';
import type { RollbackExecutor } from '../rollback/rollback-operations.js';

/** The ARN of the execution that runs `rollbackId`: executions are named by the rollback id. */
export function executionArnOf(stateMachineArn: string, rollbackId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${rollbackId}`;
}

export class StepFunctionsExecutor implements RollbackExecutor {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
    /** How often a waiting caller polls the execution. */
    private readonly pollMs = 2_000,
  ) {}

  /** The ARN Step Functions gives the execution named after the rollback. */
  executorOf(rollbackId: string): RollbackRecord['executor'] {
    return { executionArn: executionArnOf(this.stateMachineArn, rollbackId) };
  }

  async start(rollbackId: string): Promise<{ executor: RollbackRecord['executor']; finished: () => Promise<void> }> {
    const out = await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: rollbackId, input: JSON.stringify({ rollbackId }) }));
    const executionArn = out.executionArn;
    if (!executionArn) throw new Error('Step Functions started no execution');
    return { executor: { executionArn }, finished: () => this.waitFor(executionArn) };
  }

  private async waitFor(executionArn: string): Promise<void> {
    for (;;) {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      if (out.status !== 'RUNNING' && out.status !== 'PENDING_REDRIVE') return;
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  async isAlive(record: RollbackRecord): Promise<boolean> {
    const e = record.executor;
    if (!e || !('executionArn' in e)) return false;
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE';
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return false;
      throw err;
    }
  }
}
