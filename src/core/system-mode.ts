/**
 * The system mode (CONTRACT.md, "Rollbacks"): `normal`; `recovery` while a rollback runs (the WING
 * services are stopped and only the rollback itself, reads, cleanup and undo are allowed); `safe`
 * when a rollback could not return the platform to its pre-rollback state (read-only except for
 * administrators, schedules paused). Every change is published as `SystemModeChanged`.
 */
import { ConflictError } from './errors.js';

export const systemModes = ['normal', 'recovery', 'safe'] as const;
export type SystemMode = (typeof systemModes)[number];

export interface SystemModeState {
  readonly mode: SystemMode;
  readonly changedAt: string;
  /** The rollback that set it, if one did. */
  readonly rollbackId: string | null;
  readonly reason: string;
  /** In recovery mode: the mode before it, which a rollback that changed nothing returns to. */
  readonly previous?: SystemMode;
  /** In recovery mode: the state before it, so that a safe mode an administrator set survives. */
  readonly previousState?: Omit<SystemModeState, 'previous' | 'previousState'>;
}

export const NORMAL_MODE: SystemModeState = { mode: 'normal', changedAt: new Date(0).toISOString(), rollbackId: null, reason: 'initial' };

/** Port: where the mode lives (the system table). */
export interface SystemModeStore {
  get(): Promise<SystemModeState>;
  /**
   * Changes the mode. With `expect`, only when the current mode is one of those (a conditional
   * write): leaving recovery mode must not clobber a safe mode someone else set.
   */
  set(state: SystemModeState, expect?: readonly SystemMode[]): Promise<SystemModeState>;
}

/** What an operation is, for the mode rules. */
export type ModeOperation = 'read' | 'rollback' | 'undo' | 'cleanup' | 'backup' | 'retention' | 'change';

/**
 * Refuses what the mode forbids with a ConflictError (exit 6). Recovery mode allows only the
 * rollback that holds it (its Tasks), reads, cleanup and undo. Safe mode leaves only
 * administrators able to change anything; every † command is an administrator's, and a scheduled
 * backup passes as `backup` with `scheduled` set.
 */
export function assertModeAllows(state: SystemModeState, operation: ModeOperation, options: { scheduled?: boolean; administrator?: boolean } = {}): void {
  if (operation === 'read') return;
  if (state.mode === 'recovery') {
    if (operation === 'cleanup' || operation === 'undo') return;
    throw new ConflictError(
      `the system is in recovery mode (rollback ${state.rollbackId ?? 'unknown'} since ${state.changedAt}): only reads, "rollback:cleanup" and "rollback:undo" are allowed until it ends`,
    );
  }
  if (state.mode === 'safe') {
    if (options.scheduled) throw new ConflictError(`the system is in safe mode since ${state.changedAt} (${state.reason}): schedules are paused`);
    if (options.administrator === false) throw new ConflictError(`the system is in safe mode since ${state.changedAt}: only administrators may change anything`);
  }
}
