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
      let t: { type?: unknown; at?: unknown; state?: unknown; component?: unknown; error?: unknown; cause?: unknown };
      try {
        t = JSON.parse(line) as typeof t;
      } catch {
        // The line being written right now.
        continue;
      }
      const status = typeof t.type === 'string' ? STATUS_OF[t.type] : undefined;
      if (!status || typeof t.state !== 'string' || typeof t.at !== 'string') continue;
      const detail = [t.error, t.cause].filter((v): v is string => typeof v === 'string').join(': ');
      steps.push({ state: t.state, status, at: t.at, ...(typeof t.component === 'string' ? { component: t.component } : {}), ...(detail ? { detail } : {}) });
    }
    return steps;
  }
}
