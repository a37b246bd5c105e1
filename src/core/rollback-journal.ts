/**
 * What the system remembers of each rollback (and undo): who asked, why, which point, how far it
 * got, per-component progress and the result. `rollback:status` reads it; undo and cleanup act on
 * it. It lives in the rollback system's own table, never in a component it restores.
 */
import type { RestoreScope } from './restore-scope.js';

export const rollbackPhases = ['Pending', 'InProgress', 'Completed', 'PartiallyFailed', 'Failed', 'Undone'] as const;
export type RollbackPhase = (typeof rollbackPhases)[number];

export type RollbackKind = 'rollback' | 'undo';

/** How the rollback chooses its point (CONTRACT.md, "Rollbacks"). */
export type RollbackSelection =
  | { readonly hours: number }
  | { readonly backupId: string }
  /** An undo restores the safety snapshots of that rollback. */
  | { readonly undoOf: string };

export interface RollbackRecord {
  readonly rollbackId: string;
  readonly kind: RollbackKind;
  readonly command: string;
  readonly mode: 'differential' | 'full';
  readonly selection: RollbackSelection;
  /**
   * A targeted restore (`repair:component`, `auth:restore`, `agent:restore`, ...): only these
   * components, or only some of their items. Absent: the whole platform. An undo of a targeted
   * restore has the same components and no item filter (it returns them to their safety snapshots).
   */
  readonly scope?: RestoreScope;
  readonly initiator: string;
  readonly reason: string;
  readonly phase: RollbackPhase;
  /** The state the execution is in (or ended in). */
  readonly step: string;
  /**
   * The last step of the rollback's own way forward (not of its recovery, nor of restarting the
   * services): where a failure happened, for the outcome's message.
   */
  readonly forwardStep?: string;
  readonly recoveryPointId: string | null;
  readonly requestedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Who runs the execution: locally a process (alive or not), on AWS an execution ARN. */
  readonly executor: { readonly host: string; readonly pid: number } | { readonly executionArn: string } | null;
  readonly message: string;
  readonly error: { readonly name: string; readonly message: string } | null;
  /** Non-blocking findings: the health checks, the cross-component check, a failed notification. */
  readonly warnings: readonly string[];
  /** Set on a rollback once an undo restored its safety snapshots. */
  readonly undoneBy: string | null;
  readonly undoneAt: string | null;
}

export interface ComponentProgress {
  readonly component: string;
  readonly phase: 'pending' | 'restoring' | 'verifying' | 'restored' | 'failed' | 'recovered';
  readonly snapshotId: string;
  readonly written: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly restoreMs: number;
  readonly verifyMs: number;
  /** How many Task runs the restore took (a continuation token loops it). */
  readonly runs: number;
}

/** Port: rollback records and their per-component progress (the system table on AWS and locally). */
export interface RollbackJournal {
  put(record: RollbackRecord): Promise<void>;
  get(rollbackId: string): Promise<RollbackRecord | undefined>;
  /** Sets the current step alone (parallel Tasks must not rewrite the record); `forward` also sets forwardStep. */
  setStep(rollbackId: string, step: string, forward: boolean): Promise<void>;
  /** Newest first. */
  list(): Promise<RollbackRecord[]>;
  putProgress(rollbackId: string, progress: ComponentProgress): Promise<void>;
  /** By component name; callers order them by the plan. */
  listProgress(rollbackId: string): Promise<ComponentProgress[]>;
}

/** Is the rollback over (nothing will change it but an undo)? */
export function isFinished(phase: RollbackPhase): boolean {
  return phase === 'Completed' || phase === 'PartiallyFailed' || phase === 'Failed' || phase === 'Undone';
}
