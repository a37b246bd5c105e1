/**
 * Execution history in local mode: the state transitions the local runner appends to
 * `logs/rollback-<id>.transitions.jsonl` (one JSON object per line) while it runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionHistory, ExecutionStep } from '../core/execution-history.js';
import { ValidationError } from '../core/errors.js';

const STATUS_OF: Readonly<Record<string, ExecutionStep['status']>> = {
  StateEntered: 'entered',
  StateExited: 'succeeded',
  StateFailed: 'failed',
  StateRetried: 'retried',
};

export class LocalExecutionHistory implements ExecutionHistory {
  constructor(private readonly logsFolder: string) {}

  async steps(rollbackId: string): Promise<ExecutionStep[]> {
    if (!/^[A-Za-z0-9-]+$/.test(rollbackId)) throw new ValidationError(`"${rollbackId}" is not a rollback id`);
    let text: string;
    try {
      text = await readFile(join(this.logsFolder, `rollback-${rollbackId}.transitions.jsonl`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const steps: ExecutionStep[] = [];
    for (const line of text.split('\n')) {
      let t: TransitionLike;
      try {
        t = JSON.parse(line) as TransitionLike;
      } catch {
        // The line being written right now.
        continue;
      }
      const step = stepOfTransition(t);
      if (step) steps.push(step);
    }
    return steps;
  }
}

/** A transition of the local runner, as it happens or as read back from its file. */
interface TransitionLike {
  readonly type?: unknown;
  readonly at?: unknown;
  readonly state?: unknown;
  readonly component?: unknown;
  readonly error?: unknown;
  readonly cause?: unknown;
}

/** The step a transition of the local runner stands for; undefined for the ones that are not a state's. */
export function stepOfTransition(t: TransitionLike): ExecutionStep | undefined {
  const status = typeof t.type === 'string' ? STATUS_OF[t.type] : undefined;
  const at = t.at instanceof Date ? t.at.toISOString() : t.at;
  if (!status || typeof t.state !== 'string' || typeof at !== 'string') return undefined;
  const detail = [t.error, t.cause].filter((v): v is string => typeof v === 'string').join(': ');
  return { state: t.state, status, at, ...(typeof t.component === 'string' ? { component: t.component } : {}), ...(detail ? { detail } : {}) };
}
