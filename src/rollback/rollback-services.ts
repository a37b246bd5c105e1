/**
 * One wiring of the rollback services over the system table, the vault and the component sources,
 * shared by local mode and the Lambdas: they differ only in the clients and adapters passed in.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { AwsComponentSources } from '../adapters/component-sources.js';
import { DynamoAdminStore } from '../adapters/dynamodb-admin-store.js';
import { DynamoAuditTrail } from '../adapters/dynamodb-audit-trail.js';
import { MirroredAuditTrail } from '../adapters/mirrored-audit-trail.js';
import { S3AuditMirror } from '../adapters/s3-audit-mirror.js';
import { DynamoCatalog } from '../adapters/dynamodb-catalog.js';
import { DynamoHealthStateStore } from '../adapters/dynamodb-health-state.js';
import { DynamoRollbackJournal } from '../adapters/dynamodb-rollback-journal.js';
import { DynamoRateLimitStore } from '../adapters/dynamodb-rate-limits.js';
import { DynamoRollbackLock } from '../adapters/dynamodb-rollback-lock.js';
import { DynamoSystemModeStore } from '../adapters/dynamodb-system-mode.js';
import { SystemTable } from '../adapters/system-table.js';
import { ZstdCompressor } from '../adapters/zstd-compressor.js';
import { AccessGate } from '../core/access-gate.js';
import type { EventPublisher } from '../core/events.js';
import type { Notifier } from '../core/notifications.js';
import type { Plan } from '../core/plan.js';
import type { Clock, KeyService, ObjectStore } from '../core/ports.js';
import type { RollbackLog } from '../core/rollback-log.js';
import { BackupManager, type RunOwner } from './backup-manager.js';
import { HealthMonitor } from './health-monitor.js';
import { HealthWatch } from './health-watch.js';
import { PlatformActions } from './platform-actions.js';
import { RestoreDrill } from './restore-drill.js';
import { StatusDocumentWriter } from './status-document.js';
import { RollbackSteps } from './rollback-steps.js';

export interface RollbackServicesDeps {
  readonly plan: Plan;
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  readonly vaultStore: ObjectStore;
  readonly keys: KeyService;
  readonly events: EventPublisher;
  /** Administrators' and users' notifications outside the state machine (drills, health). */
  readonly notifier: Notifier;
  readonly log: RollbackLog;
  readonly clock: Clock;
  readonly isOwnerAlive?: (owner: RunOwner) => boolean;
  /** The audit bucket has Object Lock (always on AWS; s3rver has none): each record's copy is locked. */
  readonly auditObjectLock: boolean;
  /** On AWS behind CloudFront: refuse administrative requests without a viewer country. */
  readonly countryRequired?: boolean;
}

export type RollbackServices = ReturnType<typeof rollbackServices>;

export function rollbackServices(deps: RollbackServicesDeps) {
  const systemTable = new SystemTable(deps.dynamo, deps.plan.systemTable);
  const catalog = new DynamoCatalog(systemTable);
  const lock = new DynamoRollbackLock(systemTable, deps.clock);
  const journal = new DynamoRollbackJournal(systemTable);
  const modes = new DynamoSystemModeStore(systemTable);
  const sources = new AwsComponentSources(deps.dynamo, deps.s3);
  const backups = new BackupManager({
    plan: deps.plan,
    catalog,
    vault: { store: deps.vaultStore, keys: deps.keys, compressor: new ZstdCompressor(deps.plan.compressionLevel) },
    sources,
    lock,
    clock: deps.clock,
    events: deps.events,
    modes,
    ...(deps.isOwnerAlive ? { isOwnerAlive: deps.isOwnerAlive } : {}),
  });
  // The table numbers and chains the records; the audit bucket keeps a copy of each (src/core/audit-mirror.ts).
  const audit = new MirroredAuditTrail(
    new DynamoAuditTrail(systemTable, deps.clock),
    new S3AuditMirror(deps.s3, deps.plan.auditBucket, deps.auditObjectLock ? { objectLockDays: deps.plan.auditRetentionDays } : {}),
  );
  const admins = new DynamoAdminStore(systemTable);
  const limits = new DynamoRateLimitStore(systemTable);
  const gate = new AccessGate({ security: deps.plan.security, admins, limits, clock: deps.clock, countryRequired: deps.countryRequired ?? false });
  const health = new HealthMonitor({ plan: deps.plan, sources, clock: deps.clock });
  const healthWatch = new HealthWatch({ monitor: health, store: new DynamoHealthStateStore(systemTable), backups, events: deps.events, notifier: deps.notifier, clock: deps.clock });
  const actions = new PlatformActions({ plan: deps.plan, sources, events: deps.events, notifier: deps.notifier, clock: deps.clock });
  const drills = new RestoreDrill({ plan: deps.plan, backups, dynamo: deps.dynamo, s3: deps.s3, events: deps.events, notifier: deps.notifier, clock: deps.clock });
  const steps = new RollbackSteps({
    plan: deps.plan,
    backups,
    catalog,
    lock,
    journal,
    modes,
    health: healthWatch,
    log: deps.log,
    clock: deps.clock,
    audit,
    status: new StatusDocumentWriter(deps.vaultStore),
    notifier: deps.notifier,
  });
  return { systemTable, admins, limits, gate, catalog, lock, journal, modes, sources, backups, health, healthWatch, drills, actions, audit, steps, log: deps.log, events: deps.events, notifier: deps.notifier, plan: deps.plan, clock: deps.clock };
}
