/**
 * Execution history on AWS: the rollback's Step Functions execution (named by the rollback id)
 * read with GetExecutionHistory and reduced to the states it entered, left, failed or retried,
 * in order, for the live timeline.
 */
import { ExecutionDoesNotExist, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionHistory, ExecutionStep } from '../core/execution-history.js';
import { executionArnOf } from './step-functions-executor.js';

/** At most this many pages of 1000 events: a rollback of many components stays well below. */
const MAX_PAGES = 25;

export class StepFunctionsExecutionHistory implements ExecutionHistory {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async steps(rollbackId: string): Promise<ExecutionStep[]> {
    const executionArn = executionArnOf(this.stateMachineArn, rollbackId);
    const steps: ExecutionStep[] = [];
    /** The state each Task event belongs to: failures and retries name no state themselves. */
    let current: { state: string; component?: string } | undefined;
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const out = await this.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
        for (const event of out.events ?? []) {
          const step = stepOf(event, current);
          if (!step) continue;
          if (step.status === 'entered') current = { state: step.state, ...(step.component !== undefined ? { component: step.component } : {}) };
          steps.push(step);
        }
        nextToken = out.nextToken;
        if (!nextToken) break;
      }
    } catch (err) {
      // Not started yet (the record exists a moment before the execution does).
      if (err instanceof ExecutionDoesNotExist) return [];
      throw err;
    }
    return steps;
  }
}

function componentOf(input: string | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const value = JSON.parse(input) as { component?: unknown };
    return typeof value.component === 'string' ? value.component : undefined;
  } catch {
    return undefined;
  }
}

function stepOf(event: HistoryEvent, current: { state: string; component?: string } | undefined): ExecutionStep | undefined {
  const at = (event.timestamp ?? new Date(0)).toISOString();
  const type = event.type ?? '';
  if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
    const component = componentOf(event.stateEnteredEventDetails.input);
    return { state: event.stateEnteredEventDetails.name, status: 'entered', at, ...(component !== undefined ? { component } : {}) };
  }
  if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
    const name = event.stateExitedEventDetails.name;
    return { state: name, status: 'succeeded', at, ...(current?.state === name && current.component !== undefined ? { component: current.component } : {}) };
  }
  const failure = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails ?? event.executionFailedEventDetails;
  if (failure && current) {
    const detail = [failure.error, failure.cause].filter((v): v is string => typeof v === 'string' && v !== '').join(': ');
    return { state: current.state, status: 'failed', at, ...(current.component !== undefined ? { component: current.component } : {}), ...(detail ? { detail } : {}) };
  }
  return undefined;
}
