/**
 * The emergency rollback on the local services, timed step by step: the real state machine, over
 * a recovery point taken 25 hours "ago" (backdated) and a 1 % day of activity since.
 */
import { totpCode } from '../src/core/credentials.js';
import { localRollbackOperations } from '../src/local/local-rollback.js';
import type { LocalRuntime } from '../src/local/local-runtime.js';
import type { Transition } from '../src/local/local-state-machine.js';

export interface RollbackBench {
  readonly totalS: number;
  readonly phase: string;
  readonly written: number;
  readonly deleted: number;
  /** Seconds per state (a component's Tasks separately), in the order they first ran. */
  readonly steps: { readonly step: string; readonly seconds: number }[];
}

export async function rollbackBench(runtime: LocalRuntime, admin: { username: string; password: string; totpSecret: string }): Promise<RollbackBench> {
  const entered = new Map<string, number>();
  const totals = new Map<string, number>();
  const key = (t: Transition & { component?: string }): string => `${t.state ?? ''}${t.component ? ` ${t.component}` : ''}`;
  const ops = localRollbackOperations(runtime, {
    onTransition: (_, t) => {
      if (!t.state) return;
      if (t.type === 'StateEntered') entered.set(key(t), t.at.getTime());
      if (t.type === 'StateExited' || t.type === 'StateFailed') {
        const start = entered.get(key(t));
        if (start !== undefined) totals.set(key(t), (totals.get(key(t)) ?? 0) + (t.at.getTime() - start));
      }
    },
  });
  const started = Date.now();
  const result = await ops.rollback({
    username: admin.username,
    password: admin.password,
    totp: totpCode(admin.totpSecret, new Date()),
    hours: 24,
    reason: 'benchmark',
    command: 'rollback:emergency',
  });
  const totalS = (Date.now() - started) / 1000;
  const status = await ops.status(result.rollbackId);
  return {
    totalS,
    phase: result.phase,
    written: status.components.reduce((n, c) => n + c.written, 0),
    deleted: status.components.reduce((n, c) => n + c.deleted, 0),
    steps: [...totals].map(([step, ms]) => ({ step, seconds: ms / 1000 })),
  };
}
