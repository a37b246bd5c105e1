/**
 * wing-rollback: the programmatic API. The rollback system itself (RollbackSystem) arrives with
 * the rollback state machine; what exists so far is the backup side: the plan, the local runtime
 * and BackupManager (recovery points, verification, restore, retention).
 */
export { defaultPlan, parsePlan, dependencyLevels, restoreOrder, type Plan, type ComponentPlan } from './core/plan.js';
export {
  WingError,
  ValidationError,
  AuthenticationError,
  AuthorizationError,
  RateLimitedError,
  IntegrityError,
  ConflictError,
  NotFoundError,
  TransientError,
  ExitCode,
  exitCodeOf,
} from './core/errors.js';
export type { RecoveryPointRecord, RecoveryPointStatus, SnapshotMeta, CheckResult } from './core/catalog.js';
export { CredentialCheck, totpCode, type Credentials } from './core/credentials.js';
export { ManualClock, systemClock, type Clock } from './core/ports.js';
export { BackupManager, type ComponentRestoreResult, type RetentionReport, type VerifyOutcome } from './rollback/backup-manager.js';
export { openLocalRuntime, type LocalRuntime } from './local/local-runtime.js';
export { initLocal } from './local/local-init.js';
export { RollbackSystem, type RollbackSystemConfig } from './rollback/rollback-system.js';
export type { RollbackResult, RollbackStatus, RollbackRequest } from './rollback/rollback-operations.js';
export type { RollbackRecord, RollbackPhase, ComponentProgress } from './core/rollback-journal.js';
export type { SystemMode, SystemModeState } from './core/system-mode.js';
