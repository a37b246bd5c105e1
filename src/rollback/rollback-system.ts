/**
 * RollbackSystem: the programmatic API of Wing Rollback (CONTRACT.md, "Programmatic API").
 *
 *   const rollbackSystem = new RollbackSystem({ home: '.wing' });
 *   await rollbackSystem.initialize();
 *   const result = await rollbackSystem.emergencyRollback('admin', password, 'reason', { totp });
 *   await rollbackSystem.close();
 *
 * A request refused before anything starts (bad input, credentials, mode, lock, no point) throws
 * a WingError whose `exitCode` is the CLI's; a rollback that ran returns
 * `{ success, rollbackId, recoveryPointId, phase, message, error? }`, failed or not.
 */
import type { Credentials } from '../core/credentials.js';
import { ValidationError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { RecoveryPointRecord } from '../core/catalog.js';
import { localRollbackOperations, type LocalRollbackOptions } from '../local/local-rollback.js';
import { openLocalRuntime, type LocalRuntime } from '../local/local-runtime.js';
import type { LocalEndpoints } from '../local/local-services.js';
import { repairRequestOf, type RepairArgs, type RepairCommandName } from './repair-commands.js';
import type { RollbackOperations, RollbackResult, RollbackStatus } from './rollback-operations.js';

export interface RollbackSystemConfig extends LocalRollbackOptions {
  /** `local` (default). The AWS target arrives with the operator-interfaces issue. */
  readonly target?: 'local' | 'aws';
  /** The state folder (default `$WING_HOME` or `./.wing`). */
  readonly home?: string;
  /** Use these running services instead of acquiring them. */
  readonly endpoints?: LocalEndpoints;
  readonly clock?: Clock;
}

export type CredentialsWithReason = Credentials & { readonly reason?: string };

export class RollbackSystem {
  private runtime: LocalRuntime | undefined;
  private ops: RollbackOperations | undefined;

  constructor(private readonly config: RollbackSystemConfig = {}) {
    if (config.target === 'aws') throw new ValidationError('the AWS target of RollbackSystem arrives with the operator-interfaces issue: use target "local"');
  }

  /** Opens the local services (as a temporary owner, or those of a running `npm start`). */
  async initialize(): Promise<void> {
    if (this.ops) return;
    this.runtime = await openLocalRuntime({
      ...(this.config.home !== undefined ? { home: this.config.home } : {}),
      ...(this.config.endpoints ? { endpoints: this.config.endpoints } : {}),
      ...(this.config.clock ? { clock: this.config.clock } : {}),
      kind: 'temporary',
    });
    this.ops = localRollbackOperations(this.runtime, this.config);
  }

  async close(): Promise<void> {
    await this.runtime?.close();
    this.runtime = undefined;
    this.ops = undefined;
  }

  /** The operations (for the CLI and the admin API); initialize() first. */
  get operations(): RollbackOperations {
    if (!this.ops) throw new ValidationError('call initialize() before using the RollbackSystem');
    return this.ops;
  }

  /** `rollback:emergency`: the newest verified point at least 24 h old (or `hours`), differential; a reason is required. */
  emergencyRollback(username: string, password: string, reason: string, options: { totp: string; hours?: number; wait?: boolean }): Promise<RollbackResult> {
    if (reason.trim() === '') return Promise.reject(new ValidationError('an emergency rollback needs a reason'));
    return this.operations.rollback({ username, password, totp: options.totp, reason, hours: options.hours ?? 24, command: 'rollback:emergency', ...(options.wait !== undefined ? { wait: options.wait } : {}) });
  }

  /** Any rollback: `hours` or `backupId`, `mode` differential (default) or full. */
  rollback(request: Parameters<RollbackOperations['rollback']>[0]): Promise<RollbackResult> {
    return this.operations.rollback(request);
  }

  /** `rollback:quick`: the newest verified point, differential. */
  quickRollback(credentials: CredentialsWithReason): Promise<RollbackResult> {
    return this.operations.rollback({ ...credentials, hours: 0, command: 'rollback:quick' });
  }

  /** `rollback:full`: the newest verified point at least 24 h old, every item rewritten and verified. */
  fullRollback(credentials: CredentialsWithReason): Promise<RollbackResult> {
    return this.operations.rollback({ ...credentials, hours: 24, mode: 'full', command: 'rollback:full' });
  }

  /** `rollback:custom --hours=N`. */
  customRollback(hours: number, credentials: CredentialsWithReason): Promise<RollbackResult> {
    return this.operations.rollback({ ...credentials, hours, command: 'rollback:custom' });
  }

  /** `restore:alternative --backup-id=ID`: exactly that point. */
  restoreAlternative(backupId: string, credentials: CredentialsWithReason): Promise<RollbackResult> {
    return this.operations.rollback({ ...credentials, backupId, command: 'restore:alternative' });
  }

  /**
   * A targeted restore: `repair:component` (`{ component }`), `auth:restore`, `agent:restore`
   * (`{ agentId }`) or `agent:reset-config` (`{ agentId? }`), from the newest verified point or
   * `backupId`. It runs as a rollback limited to its scope, so undo, status and logs apply to it.
   */
  repair(command: RepairCommandName, args: RepairArgs, credentials: CredentialsWithReason): Promise<RollbackResult> {
    const { choice, scope } = repairRequestOf(this.operations.services.plan, command, args);
    return this.operations.rollback({ ...credentials, ...choice, scope, command });
  }

  /** `repair:component --component=C`. */
  repairComponent(component: string, credentials: CredentialsWithReason): Promise<RollbackResult> {
    return this.repair('repair:component', { component }, credentials);
  }

  /** `agent:restore --id=A`: that agent's items and nothing else. */
  restoreAgent(agentId: string, credentials: CredentialsWithReason & { backupId?: string }): Promise<RollbackResult> {
    return this.repair('agent:restore', { agentId, backupId: credentials.backupId }, credentials);
  }

  /** `rollback:plan`: per component, what a rollback would write, delete and leave; changes nothing. */
  plan(choice: { hours?: number; backupId?: string } = {}): ReturnType<RollbackOperations['plan']> {
    return this.operations.plan(choice);
  }

  /** `rollback:undo`: the latest rollback, from its safety snapshots. */
  undo(request: CredentialsWithReason & { rollbackId?: string }): Promise<RollbackResult> {
    return this.operations.undo(request);
  }

  status(rollbackId?: string): Promise<RollbackStatus> {
    return this.operations.status(rollbackId);
  }

  logs(rollbackId: string): Promise<string> {
    return this.operations.logs(rollbackId);
  }

  cleanup(credentials: CredentialsWithReason): Promise<{ actions: string[]; rollbackId: string | null }> {
    return this.operations.cleanup(credentials);
  }

  /** `backup:list`: newest first. */
  listBackups(): Promise<RecoveryPointRecord[]> {
    return this.operations.services.backups.listRecoveryPoints();
  }

  /** `backup:create`: a verified recovery point now. */
  createBackup(options: { type?: 'full' | 'incremental' } = {}): Promise<RecoveryPointRecord> {
    return this.operations.services.backups.createRecoveryPoint(options);
  }

  /** `backup:verify`: one point, or all. */
  verifyBackup(backupId?: string): ReturnType<RollbackOperations['services']['backups']['verifyAll']> {
    const backups = this.operations.services.backups;
    return backupId === undefined ? backups.verifyAll() : backups.verifyRecoveryPoint(backupId).then((o) => [o]);
  }
}
