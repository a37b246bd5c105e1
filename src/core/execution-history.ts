/**
 * The steps a rollback's state machine execution went through, for the live timeline of the
 * portal and `GET /api/rollbacks/{id}`: locally from the transitions the local runner records,
 * on AWS from Step Functions' execution history.
 */

/** One state of an execution: entered, left successfully, failed or retried. */
export interface ExecutionStep {
  readonly state: string;
  /** The component a Task of a Map iteration worked on. */
  readonly component?: string;
  readonly status: 'entered' | 'succeeded' | 'failed' | 'retried';
  readonly at: string;
  /** Error and cause of a failed or retried state. */
  readonly detail?: string;
}

/** Port: an execution's steps in order; empty when the execution has not started. */
export interface ExecutionHistory {
  steps(rollbackId: string): Promise<ExecutionStep[]>;
}
