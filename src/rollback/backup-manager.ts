/**
 * BackupManager: recovery points over the whole plan, single-component snapshots, verification,
 * restores of snapshots into the live components, retention (prune is VaultPruner's), catalog
 * rebuild. It drives
 * the snapshot engine (`src/core/snapshot`) through the ports and keeps the catalog in step.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { semanticsOf } from '../components/index.js';
import { liveRecordBatches } from '../components/live-view.js';
import { snapshotView, type StreamRecordSource } from '../components/snapshot-view.js';
import type { ComponentSources, LiveStream } from '../adapters/component-sources.js';
import {
  isSelectable,
  newId,
  type BackupLease,
  type Catalog,
  type CheckResult,
  type DrillRecord,
  type RecoveryPointRecord,
  type RecoveryPointStatus,
  type SnapshotMeta,
  type SnapshotRef,
} from '../core/catalog.js';
import { IntegrityError, NotFoundError, ConflictError, WingError } from '../core/errors.js';
import { EVENT_VERSION, type EventPublisher, type WingEvent } from '../core/events.js';
import { componentByName, restoreOrder, type ComponentPlan, type Plan } from '../core/plan.js';
import type { Clock } from '../core/ports.js';
import { decideRetention, type RetentionDecision } from '../core/retention.js';
import { withLock, type RollbackLock } from '../core/rollback-lock.js';
import { inItemScope, scopeComponents, scopedReconciler, type ItemScope, type RestoreScope } from '../core/restore-scope.js';
import { keepingSanitizedFields, sanitizedStream } from '../core/sanitization.js';
import { SnapshotReader } from '../core/snapshot/snapshot-reader.js';
import {
  SnapshotRestorer,
  type RecordReconciler,
  type RestoreCheckpoint,
  type RestoreMode,
  type RestoreProgress,
  type RestoreStreamResult,
  type StreamVerification,
} from '../core/snapshot/snapshot-restorer.js';
import type { SnapshotPurpose, SnapshotSummary } from '../core/snapshot/snapshot-summary.js';
import { openRecoveryPoint, recoveryPointKeyContext, signRecoveryPoint } from '../core/snapshot/recovery-point-document.js';
import { SnapshotVerifier, type VerifyProblem } from '../core/snapshot/snapshot-verifier.js';
import { SnapshotWriter, type SnapshotProgress } from '../core/snapshot/snapshot-writer.js';
import { VaultPruner, type PruneResult } from './vault-pruner.js';
import { VaultReader, type VaultDeps } from '../core/snapshot/vault-reader.js';
import { vaultLayout } from '../core/vault-layout.js';
import { assertModeAllows, type ModeOperation, type SystemModeStore } from '../core/system-mode.js';

export interface RunOwner {
  readonly host: string;
  readonly pid: number;
}

export interface BackupManagerDeps {
  readonly plan: Plan;
  readonly catalog: Catalog;
  readonly vault: VaultDeps;
  readonly sources: ComponentSources;
  readonly lock: RollbackLock;
  readonly clock: Clock;
  /** This process, recorded on in-progress runs. */
  readonly owner?: RunOwner;
  /** Where BackupCompleted / BackupFailed go (EventBridge on AWS, the outbox locally). */
  readonly events?: EventPublisher;
  /** Whether the owner of an in-progress run is still running (locally: is the pid alive). */
  readonly isOwnerAlive?: (owner: RunOwner) => boolean;
  /** The system mode: backups and retention wait while a rollback holds the platform in recovery mode. */
  readonly modes?: SystemModeStore;
}

/** Progress of a recovery point: each component's snapshot, then the checks, then verification. */
export type BackupProgress = (SnapshotProgress & { readonly phase: 'snapshot' }) | { readonly phase: 'check' | 'verify' };

export interface CreateRecoveryPointOptions {
  readonly type?: 'full' | 'incremental';
  /** Backdates the point (demo history); the lease still follows the real clock. */
  readonly at?: Date;
  readonly labels?: Record<string, string>;
  readonly onProgress?: (p: BackupProgress) => void;
  /** The owner of the rollback lock this backup runs under (a rollback's safety snapshot). */
  readonly lockOwner?: string;
  /** Started by a schedule: paused in safe mode. */
  readonly scheduled?: boolean;
}

export interface VerifyOutcome {
  readonly recoveryPointId: string;
  readonly ok: boolean;
  readonly problems: VerifyProblem[];
  readonly status: RecoveryPointStatus;
}

export interface RestoreOptions {
  readonly mode: RestoreMode;
  readonly onProgress?: (component: string, p: RestoreProgress) => void;
  /**
   * Identifies one restore attempt (a rollback id): a full restore records its progress under it,
   * and a rerun with the same id resumes after what was written. Without it, a rerun starts over.
   */
  readonly restoreId?: string;
}

export interface ComponentRestoreResult {
  readonly component: string;
  readonly snapshotId: string;
  readonly streams: RestoreStreamResult[];
  readonly verification: StreamVerification[];
  readonly written: number;
  readonly deleted: number;
  readonly restoreMs: number;
  readonly verifyMs: number;
  readonly verified: boolean;
}

/** Where a component restore that ran out of time continues (see restoreComponentRun). */
export interface RestoreContinuation {
  /** The stream to (re)start with. */
  readonly stream: number;
  /** Expected digests of the streams already restored, in order. */
  readonly expectedDigests: readonly string[];
  readonly written: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly restoreMs: number;
  readonly runs: number;
}

export interface RetentionReport {
  readonly dryRun: boolean;
  readonly decisions: RetentionDecision[];
  readonly deletedRecoveryPoints: string[];
  readonly deletedSnapshots: string[];
  readonly deletedObjects: number;
  readonly freedBytes: number;
  readonly repackedPacks: number;
}

const LEASE_MS = 10 * 60_000;
const SIDE_SNAPSHOT_DAYS = 7;

function random(): string {
  return randomBytes(3).toString('hex');
}

function retentionReport(dryRun: boolean, plan: { decisions: RetentionDecision[]; doomed: Set<string> }, pruned: PruneResult): RetentionReport {
  return {
    dryRun,
    decisions: plan.decisions,
    deletedRecoveryPoints: [...plan.doomed],
    deletedSnapshots: pruned.deletedSnapshots,
    deletedObjects: pruned.deletedObjects,
    freedBytes: pruned.freedBytes,
    repackedPacks: pruned.repackedPacks,
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class BackupManager {
  private readonly reader: VaultReader;
  private readonly owner: RunOwner;

  constructor(private readonly deps: BackupManagerDeps) {
    this.reader = new VaultReader(deps.vault);
    this.owner = deps.owner ?? { host: hostname(), pid: process.pid };
  }

  /**
   * A reader with empty caches, one per operation: verification must read every object afresh,
   * and a long-running process must not accumulate pack indexes.
   */
  private freshReader(): VaultReader {
    return new VaultReader(this.deps.vault);
  }

  get plan(): Plan {
    return this.deps.plan;
  }

  /** Newest first. */
  async listRecoveryPoints(): Promise<RecoveryPointRecord[]> {
    return (await this.deps.catalog.listRecoveryPoints()).reverse();
  }

  async getRecoveryPoint(recoveryPointId: string): Promise<RecoveryPointRecord> {
    const point = await this.deps.catalog.getRecoveryPoint(recoveryPointId);
    if (!point) throw new NotFoundError(`no recovery point ${recoveryPointId}: run "npx wing backup:list" to see the points that exist`);
    return point;
  }

  /**
   * Refuses what the system mode forbids (exit 6), unless the work belongs to the rollback that
   * holds the lock (its safety snapshots).
   */
  private async assertMode(operation: ModeOperation, lockOwner: string | undefined, scheduled = false): Promise<void> {
    if (this.deps.modes && lockOwner === undefined) assertModeAllows(await this.deps.modes.get(), operation, { scheduled });
  }

  /** Takes a recovery point: one snapshot per component, then the cross-component checks, then verification. */
  async createRecoveryPoint(options: CreateRecoveryPointOptions = {}): Promise<RecoveryPointRecord> {
    await this.assertMode('backup', options.lockOwner, options.scheduled);
    const createdAt = options.at ?? this.deps.clock.now();
    const recoveryPointId = newId('rp', createdAt, random());
    return this.withBackupLease(recoveryPointId, options.lockOwner, () => this.takeRecoveryPoint(recoveryPointId, createdAt, options));
  }

  private async takeRecoveryPoint(recoveryPointId: string, createdAt: Date, options: CreateRecoveryPointOptions): Promise<RecoveryPointRecord> {
    const type = options.type ?? 'incremental';
    const signing = await this.deps.vault.keys.generateDataKey(recoveryPointKeyContext(recoveryPointId));
    const base: RecoveryPointRecord = {
      recoveryPointId,
      createdAt: createdAt.toISOString(),
      completedAt: null,
      type,
      status: 'InProgress',
      verifiedAt: null,
      snapshots: [],
      checks: [],
      labels: options.labels ?? {},
      lastDrill: null,
      owner: this.owner,
      leaseUntil: new Date(this.deps.clock.now().getTime() + LEASE_MS).toISOString(),
      error: null,
      key: { wrapped: signing.wrapped.toString('base64'), keyId: signing.keyId, context: recoveryPointKeyContext(recoveryPointId) },
    };
    await this.deps.catalog.putRecoveryPoint(base);
    const heartbeat = setInterval(() => {
      this.deps.catalog
        .putRecoveryPoint({ ...base, leaseUntil: new Date(this.deps.clock.now().getTime() + LEASE_MS).toISOString() })
        .catch(() => undefined);
    }, LEASE_MS / 4);
    heartbeat.unref();

    const summaries: SnapshotSummary[] = [];
    const failures: string[] = [];
    // The point's own lease runs until it is saved: checks and verification can take a while.
    try {
      for (const component of restoreOrder(this.deps.plan)) {
        try {
          summaries.push(
            await this.snapshotComponent(component, {
              purpose: 'recovery-point',
              type,
              recoveryPointId,
              at: createdAt,
              labels: options.labels ?? {},
              onProgress: (p) => options.onProgress?.({ ...p, phase: 'snapshot' }),
            }),
          );
        } catch (err) {
          failures.push(`${component.name}: ${errorMessage(err)}`);
        }
      }
      return await this.finishRecoveryPoint(base, summaries, failures, options);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async finishRecoveryPoint(
    base: RecoveryPointRecord,
    summaries: SnapshotSummary[],
    failures: string[],
    options: CreateRecoveryPointOptions,
  ): Promise<RecoveryPointRecord> {
    const snapshots: SnapshotRef[] = summaries.map((s) => ({
      component: s.component,
      snapshotId: s.snapshotId,
      items: s.itemCount,
      bytes: s.storedBytes,
      logicalBytes: s.logicalBytes,
    }));
    let status: RecoveryPointStatus;
    let checks: CheckResult[] = [];
    let verifiedAt: string | null = null;
    const errors = [...failures];
    if (summaries.length === 0) status = 'Failed';
    else if (failures.length > 0) status = 'PartiallyFailed';
    else {
      options.onProgress?.({ phase: 'check' });
      checks = await this.crossComponentChecks(summaries);
      status = checks.every((c) => c.ok) ? 'Completed' : 'Inconsistent';
    }
    if (summaries.length > 0) {
      options.onProgress?.({ phase: 'verify' });
      const problems = await this.verifySummaries(summaries);
      if (problems.length === 0) verifiedAt = this.deps.clock.now().toISOString();
      else {
        status = 'Corrupt';
        errors.push(...problems.map((p) => p.message));
      }
    }
    const point: RecoveryPointRecord = {
      ...base,
      completedAt: this.deps.clock.now().toISOString(),
      status,
      verifiedAt,
      snapshots,
      checks,
      owner: null,
      leaseUntil: null,
      error: errors.length > 0 ? errors.join('; ') : null,
    };
    await this.savePoint(point);
    await this.announce({
      type: point.status === 'Completed' ? 'BackupCompleted' : 'BackupFailed',
      detail: {
        version: EVENT_VERSION,
        time: point.completedAt ?? this.deps.clock.now().toISOString(),
        recoveryPointId: point.recoveryPointId,
        status: point.status,
        counts: { items: snapshots.reduce((n, r) => n + r.items, 0), bytes: snapshots.reduce((n, r) => n + r.bytes, 0), components: snapshots.length },
      },
    });
    return point;
  }

  /**
   * Publishes an event for the other WING systems. Best effort: a backup that succeeded is not
   * failed because the event bus is down; the failure is reported as a process warning.
   */
  private async announce(event: WingEvent): Promise<void> {
    try {
      await this.deps.events?.publish(event);
    } catch (err) {
      process.emitWarning(`could not publish ${event.type}: ${errorMessage(err)}`);
    }
  }

  /** A snapshot of one component outside a recovery point (`backup:create --component`, safety snapshots). */
  async createComponentSnapshot(
    componentName: string,
    options: {
      purpose?: Exclude<SnapshotPurpose, 'recovery-point'>;
      type?: 'full' | 'incremental';
      labels?: Record<string, string>;
      onProgress?: (p: SnapshotProgress) => void;
      lockOwner?: string;
      /** Started by a schedule: paused in safe mode. */
      scheduled?: boolean;
    } = {},
  ): Promise<SnapshotMeta> {
    const component = componentByName(this.deps.plan, componentName);
    await this.assertMode('backup', options.lockOwner, options.scheduled);
    return this.withBackupLease(newId('run', this.deps.clock.now(), `${component.name}-${random()}`), options.lockOwner, () => this.takeComponentSnapshot(component, options));
  }

  private async takeComponentSnapshot(
    component: ComponentPlan,
    options: { purpose?: Exclude<SnapshotPurpose, 'recovery-point'>; type?: 'full' | 'incremental'; labels?: Record<string, string>; onProgress?: (p: SnapshotProgress) => void },
  ): Promise<SnapshotMeta> {
    const summary = await this.snapshotComponent(component, {
      purpose: options.purpose ?? 'component',
      type: options.type ?? 'incremental',
      recoveryPointId: null,
      at: this.deps.clock.now(),
      labels: options.labels ?? {},
      onProgress: options.onProgress,
    });
    const problems = await this.verifySummaries([summary]);
    if (problems.length > 0) throw new IntegrityError(problems.map((p) => p.message).join('; '), problems[0]?.objectKey);
    const meta = { ...this.metaOf(summary), verifiedAt: this.deps.clock.now().toISOString() };
    await this.deps.catalog.putSnapshot(meta);
    await this.announce({
      type: 'BackupCompleted',
      detail: { version: EVENT_VERSION, time: this.deps.clock.now().toISOString(), component: meta.component, status: 'Completed', counts: { items: meta.itemCount, bytes: meta.storedBytes } },
    });
    return meta;
  }

  private async snapshotComponent(
    component: ComponentPlan,
    options: {
      purpose: SnapshotPurpose;
      type: 'full' | 'incremental';
      recoveryPointId: string | null;
      at: Date;
      labels: Record<string, string>;
      onProgress: ((p: SnapshotProgress) => void) | undefined;
    },
  ): Promise<SnapshotSummary> {
    const parentMeta = (await this.deps.catalog.listSnapshots(component.name)).filter((s) => s.status === 'Completed').at(-1);
    const parent = parentMeta ? await this.reader.readSummary(component.name, parentMeta.snapshotId).catch(() => null) : null;
    const streams = await this.deps.sources.streams(component);
    // The summary carries the point's time, which differs from the clock for backdated demo history.
    const writer = new SnapshotWriter(this.deps.vault, { clock: { now: () => options.at }, packTargetBytes: this.deps.plan.packTargetBytes });
    const summary = await writer.write({
      component: component.name,
      snapshotId: newId('snap', options.at, `${component.name}-${random()}`),
      purpose: options.purpose,
      type: parent ? options.type : 'full',
      recoveryPointId: options.recoveryPointId,
      parent,
      // The vault never holds what the component's rules sanitize, in any kind of snapshot.
      streams: streams.map((s) => sanitizedStream(s, component.sanitize)),
      labels: options.labels,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    if (options.purpose === 'recovery-point') await this.deps.catalog.putSnapshot(this.metaOf(summary));
    return summary;
  }

  private metaOf(summary: SnapshotSummary): SnapshotMeta {
    return {
      snapshotId: summary.snapshotId,
      component: summary.component,
      purpose: summary.purpose,
      type: summary.type,
      createdAt: summary.createdAt,
      recoveryPointId: summary.recoveryPointId,
      parentSnapshotId: summary.parentSnapshotId,
      itemCount: summary.itemCount,
      contentDigest: summary.contentDigest,
      logicalBytes: summary.logicalBytes,
      storedBytes: summary.storedBytes,
      status: 'Completed',
      verifiedAt: null,
      labels: summary.labels,
    };
  }

  /** Runs every component's checks on the snapshots of one run. */
  private async crossComponentChecks(summaries: readonly SnapshotSummary[]): Promise<CheckResult[]> {
    const byComponent = new Map(summaries.map((s) => [s.component, s]));
    const reader = new SnapshotReader(this.freshReader());
    const source: StreamRecordSource = {
      async *records(component, type) {
        const summary = byComponent.get(component);
        if (!summary) return;
        for (const stream of summary.streams) {
          if (stream.source.type !== type) continue;
          for await (const batch of reader.streamRecords(summary, stream)) for (const r of batch) yield r.body;
        }
      },
    };
    const view = snapshotView(source);
    const results: CheckResult[] = [];
    for (const component of this.deps.plan.components) {
      const semantics = semanticsOf(component.kind);
      if (!semantics || !byComponent.has(component.name)) continue;
      try {
        results.push(...(await semantics.check(view, component, this.deps.plan)));
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        results.push({ name: 'readable', component: component.name, ok: false, detail: err.message });
      }
    }
    return results;
  }

  private async verifySummaries(summaries: readonly SnapshotSummary[]): Promise<VerifyProblem[]> {
    const verifier = new SnapshotVerifier(this.freshReader());
    const problems: VerifyProblem[] = [];
    for (const s of summaries) problems.push(...(await verifier.verify(s)));
    return problems;
  }

  /** Decrypts and re-hashes everything a point references; marks it Corrupt or clears Corrupt. */
  async verifyRecoveryPoint(recoveryPointId: string, verifier = new SnapshotVerifier(this.freshReader())): Promise<VerifyOutcome> {
    const point = await this.getRecoveryPoint(recoveryPointId);
    if (point.status === 'InProgress') throw new ConflictError(`recovery point ${recoveryPointId} is still being taken: verify it once it is finished`);
    const problems: VerifyProblem[] = [];
    const pointKey = vaultLayout.recoveryPoint(recoveryPointId);
    try {
      const stored = await this.readPointDocument(recoveryPointId);
      const same = (a: readonly SnapshotRef[], b: readonly SnapshotRef[]): boolean =>
        a.length === b.length && a.every((r, i) => r.snapshotId === b[i]?.snapshotId && r.items === b[i].items);
      if (!same(stored.snapshots, point.snapshots)) {
        problems.push({ snapshotId: recoveryPointId, objectKey: pointKey, message: `damaged object ${pointKey}: its snapshots differ from the catalog` });
      }
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      problems.push({ snapshotId: recoveryPointId, objectKey: err.objectKey ?? pointKey, message: err.message });
    }
    for (const ref of point.snapshots) {
      let summary: SnapshotSummary;
      try {
        summary = await this.freshReader().readSummary(ref.component, ref.snapshotId);
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        problems.push({ snapshotId: ref.snapshotId, objectKey: err.objectKey, message: err.message });
        continue;
      }
      if (summary.itemCount !== ref.items || summary.recoveryPointId !== recoveryPointId) {
        problems.push({
          snapshotId: ref.snapshotId,
          objectKey: vaultLayout.snapshotSummary(ref.component, ref.snapshotId),
          message: `snapshot ${ref.snapshotId} does not match the catalog`,
        });
      }
      problems.push(...(await verifier.verify(summary)));
    }
    const now = this.deps.clock.now().toISOString();
    // A damaged snapshot must not serve as the parent of the next backup, which would inherit
    // the damage by referencing its packs.
    for (const ref of point.snapshots) {
      const meta = await this.deps.catalog.getSnapshot(ref.component, ref.snapshotId);
      if (!meta) continue;
      const damaged = problems.some((p) => p.snapshotId === ref.snapshotId);
      await this.deps.catalog.putSnapshot({ ...meta, status: damaged ? 'Corrupt' : 'Completed', verifiedAt: damaged ? meta.verifiedAt : now });
    }
    let updated: RecoveryPointRecord;
    if (problems.length > 0) {
      updated = {
        ...point,
        status: 'Corrupt',
        statusBeforeCorrupt: point.status === 'Corrupt' ? (point.statusBeforeCorrupt ?? null) : point.status,
        error: problems.map((p) => p.message).join('; '),
      };
    } else {
      const status = point.status === 'Corrupt' ? (point.statusBeforeCorrupt ?? 'Completed') : point.status;
      updated = { ...point, status, statusBeforeCorrupt: null, verifiedAt: now, error: status === 'Completed' ? null : point.error };
    }
    await this.savePoint(updated);
    return { recoveryPointId, ok: problems.length === 0, problems, status: updated.status };
  }

  /**
   * Runs a backup under a lease recorded in the catalog, so that a prune never deletes the objects
   * of a backup being taken. The lease is written first, then the rollback lock is checked; a
   * prune takes the lock first, then checks the leases. Whatever the interleaving, either the
   * prune sees the lease and stops, or the backup sees the lock and waits its turn.
   */
  private async withBackupLease<T>(runId: string, lockOwner: string | undefined, fn: () => Promise<T>): Promise<T> {
    const lease = (): BackupLease => ({
      runId,
      owner: this.owner,
      startedAt: this.deps.clock.now().toISOString(),
      leaseUntil: new Date(this.deps.clock.now().getTime() + LEASE_MS).toISOString(),
    });
    await this.deps.catalog.putBackupLease(lease());
    try {
      const holder = await this.deps.lock.current();
      if (holder && holder.owner !== lockOwner && new Date(holder.leaseUntil).getTime() > this.deps.clock.now().getTime()) {
        throw new ConflictError(`the rollback lock is held by ${holder.owner} for ${holder.purpose}: backups wait until it is released`);
      }
      const heartbeat = setInterval(() => {
        this.deps.catalog.putBackupLease(lease()).catch(() => undefined);
      }, LEASE_MS / 4);
      heartbeat.unref();
      try {
        return await fn();
      } finally {
        clearInterval(heartbeat);
      }
    } finally {
      await this.deps.catalog.deleteBackupLease(runId).catch(() => undefined);
    }
  }

  /**
   * Whether work recorded with an owner and a lease is still going: the lease has not run out and,
   * when the owner is on this host, its process still runs.
   */
  private isRunning(owner: RunOwner | null, leaseUntil: string | null): boolean {
    if (leaseUntil !== null && new Date(leaseUntil).getTime() < this.deps.clock.now().getTime()) return false;
    if (owner && owner.host === this.owner.host && this.deps.isOwnerAlive) return this.deps.isOwnerAlive(owner);
    return true;
  }

  /** Writes a point to the catalog and its signed copy to the vault. */
  private async savePoint(point: RecoveryPointRecord): Promise<void> {
    if (point.key) {
      const dataKey = await this.reader.ring.unwrap(Buffer.from(point.key.wrapped, 'base64'), point.key.context);
      await this.deps.vault.store.put(vaultLayout.recoveryPoint(point.recoveryPointId), signRecoveryPoint({ ...point, key: point.key }, dataKey));
    }
    await this.deps.catalog.putRecoveryPoint(point);
  }

  private async readPointDocument(recoveryPointId: string): Promise<RecoveryPointRecord> {
    const storeKey = vaultLayout.recoveryPoint(recoveryPointId);
    let bytes: Buffer;
    try {
      bytes = await this.deps.vault.store.get(storeKey);
    } catch (err) {
      if (err instanceof NotFoundError) throw new IntegrityError(`missing object ${storeKey}`, storeKey, { cause: err });
      throw err;
    }
    const doc = await openRecoveryPoint(bytes, storeKey, this.reader.ring);
    if (doc.recoveryPointId !== recoveryPointId) throw new IntegrityError(`damaged object ${storeKey}: holds ${doc.recoveryPointId}`, storeKey);
    return doc;
  }

  /** A reader with empty caches over the vault: a restore drill reads every object afresh. */
  vaultReader(): VaultReader {
    return this.freshReader();
  }

  /**
   * Runs `fn` under a backup lease, so that retention prunes nothing it reads (restore drills).
   * The mode rules of a backup apply: refused in recovery mode, and paused in safe mode when
   * `scheduled`.
   */
  async withLease<T>(runId: string, fn: () => Promise<T>, options: { scheduled?: boolean } = {}): Promise<T> {
    await this.assertMode('backup', undefined, options.scheduled);
    return this.withBackupLease(runId, undefined, fn);
  }

  /**
   * Records a restore drill's proof on its point. A passed drill verified every object the point
   * references (it restored them all and re-hashed the result), so the point counts as verified
   * and a Corrupt one regains its status, as after `backup:verify`; a drill that found `damage`
   * marks it Corrupt. A drill that failed for another reason (a scratch table could not be
   * created) proves nothing about the point: only its record changes.
   */
  async recordDrill(recoveryPointId: string, drill: DrillRecord, damage: string | null): Promise<RecoveryPointRecord> {
    const point = await this.getRecoveryPoint(recoveryPointId);
    let updated: RecoveryPointRecord = { ...point, lastDrill: drill };
    if (drill.result === 'passed') {
      const status = point.status === 'Corrupt' ? (point.statusBeforeCorrupt ?? 'Completed') : point.status;
      updated = { ...updated, status, statusBeforeCorrupt: null, verifiedAt: drill.at, error: status === 'Completed' ? null : point.error };
    } else if (damage !== null) {
      updated = { ...updated, status: 'Corrupt', statusBeforeCorrupt: point.status === 'Corrupt' ? (point.statusBeforeCorrupt ?? null) : point.status, error: damage };
    }
    await this.savePoint(updated);
    return updated;
  }

  /** Verifies every point (Corrupt ones too), sharing pack checks between them. */
  async verifyAll(): Promise<VerifyOutcome[]> {
    const verifier = new SnapshotVerifier(this.freshReader());
    const outcomes: VerifyOutcome[] = [];
    for (const point of await this.listRecoveryPoints()) {
      if (point.status === 'InProgress' || point.status === 'Failed') continue;
      outcomes.push(await this.verifyRecoveryPoint(point.recoveryPointId, verifier));
    }
    return outcomes;
  }

  /**
   * The point a rollback would use: exactly `backupId` (verified, not Corrupt), or the newest
   * verified point at least `hours` old. When there is none, the error lists the points that exist
   * and the commands to use instead.
   */
  async choosePoint(choice: { hours?: number; backupId?: string }): Promise<RecoveryPointRecord> {
    if (choice.backupId !== undefined) {
      const point = await this.getRecoveryPoint(choice.backupId);
      if (point.status === 'Corrupt' || point.status === 'InProgress' || point.status === 'Failed' || point.verifiedAt === null) {
        throw new WingError(`recovery point ${point.recoveryPointId} is ${point.status}${point.verifiedAt ? '' : ', not verified'}: choose another with "npx wing backup:list"`);
      }
      return point;
    }
    const hours = choice.hours ?? 24;
    const found = await this.selectRecoveryPoint(hours);
    if (found) return found;
    const points = await this.listRecoveryPoints();
    const listed = points.slice(0, 5).map((p) => `${p.recoveryPointId} ${p.status}${p.verifiedAt ? ' verified' : ''}`).join(', ');
    throw new WingError(
      `no verified recovery point is at least ${String(hours)} h old (${points.length === 0 ? 'there are no points' : `points: ${listed}${points.length > 5 ? ', ...' : ''}`}); ` +
        'use "rollback:custom --hours=N" with a smaller N, or "restore:alternative --backup-id=ID"',
    );
  }

  /**
   * What restoring a point would do, component by component, changing nothing: records to write,
   * to delete, unchanged (with the component's reconciliation and sanitization rules applied).
   */
  async planRestore(recoveryPointId: string, scope?: RestoreScope): Promise<{ component: string; write: number; delete: number; unchanged: number }[]> {
    const point = await this.getRecoveryPoint(recoveryPointId);
    const reader = this.freshReader();
    const restorer = new SnapshotRestorer(reader);
    const plan: { component: string; write: number; delete: number; unchanged: number }[] = [];
    for (const name of scopeComponents(this.deps.plan, scope)) {
      const component = componentByName(this.deps.plan, name);
      const ref = point.snapshots.find((s) => s.component === component.name);
      if (!ref) throw new NotFoundError(`recovery point ${recoveryPointId} has no snapshot of ${component.name}`);
      const summary = await reader.readSummary(component.name, ref.snapshotId);
      const live = await this.deps.sources.streams(component);
      const reconcile = this.reconcilerOf(component, true, scope?.items);
      const counts = { component: component.name, write: 0, delete: 0, unchanged: 0 };
      for (const stream of summary.streams) {
        const target = this.matchTarget(live, stream.source.name, component.name);
        if (reconcile && stream.source.type === 'dynamodb') {
          const p = await restorer.reconciledPlan(summary, stream, target, reconcile);
          counts.write += p.toWrite.length;
          counts.delete += p.toDelete.length;
          counts.unchanged += p.unchanged;
        } else {
          const p = await restorer.diff(summary, stream, target);
          counts.write += p.toWrite.length;
          counts.delete += p.toDelete.length;
          counts.unchanged += p.unchanged;
        }
      }
      plan.push(counts);
    }
    return plan;
  }

  /**
   * Whether a targeted restore limited to items would touch anything: some item of the point's
   * snapshots of the scope's components, or of their live tables, falls in the item filter. A
   * restore of an agent that exists in neither is a mistyped id, refused before it starts.
   */
  async itemScopeMatches(recoveryPointId: string, scope: RestoreScope): Promise<boolean> {
    const items = scope.items;
    if (!items) return true;
    const point = await this.getRecoveryPoint(recoveryPointId);
    const vault = this.freshReader();
    const reader = new SnapshotReader(vault);
    for (const name of scopeComponents(this.deps.plan, scope)) {
      const component = componentByName(this.deps.plan, name);
      for await (const batch of liveRecordBatches(this.deps.sources, component, 'dynamodb')) if (batch.some((r) => inItemScope(items, r.body))) return true;
      const ref = point.snapshots.find((s) => s.component === name);
      if (!ref) continue;
      const summary = await vault.readSummary(name, ref.snapshotId);
      for (const stream of summary.streams) {
        if (stream.source.type !== 'dynamodb') continue;
        for await (const batch of reader.streamRecords(summary, stream)) if (batch.some((r) => inItemScope(items, r.body))) return true;
      }
    }
    return false;
  }

  /** The newest selectable point at least `hours` old (0: the newest), or undefined. */
  async selectRecoveryPoint(hours: number): Promise<RecoveryPointRecord | undefined> {
    const cutoff = this.deps.clock.now().getTime() - hours * 3_600_000;
    return (await this.listRecoveryPoints()).find((p) => isSelectable(p) && new Date(p.createdAt).getTime() <= cutoff);
  }

  /**
   * Restores one component snapshot into the live component and verifies the result. The caller
   * holds the rollback lock.
   */
  async restoreSnapshot(
    componentName: string,
    snapshotId: string,
    options: RestoreOptions,
  ): Promise<ComponentRestoreResult> {
    const component = componentByName(this.deps.plan, componentName);
    return this.restoreSummary(component, await this.reader.readSummary(component.name, snapshotId), options);
  }

  private async restoreSummary(component: ComponentPlan, summary: SnapshotSummary, options: RestoreOptions): Promise<ComponentRestoreResult> {
    const snapshotId = summary.snapshotId;
    const live = await this.deps.sources.streams(component);
    const restorer = new SnapshotRestorer(this.freshReader());
    const streams: RestoreStreamResult[] = [];
    const verification: StreamVerification[] = [];
    const reconcile = this.reconcilerOf(component);
    for (const [i, stream] of summary.streams.entries()) {
      const target = this.matchTarget(live, stream.source.name, component.name);
      streams.push(
        await restorer.restoreStream(summary, stream, target, {
          mode: options.mode,
          ...(reconcile && stream.source.type === 'dynamodb' ? { reconcile } : {}),
          ...(options.onProgress ? { onProgress: (p: RestoreProgress) => options.onProgress?.(component.name, p) } : {}),
          ...(options.restoreId ? { checkpoint: this.checkpoint(`${options.restoreId}#${snapshotId}#${String(i)}`) } : {}),
        }),
      );
    }
    for (const [i, stream] of summary.streams.entries()) {
      const target = this.matchTarget(live, stream.source.name, component.name);
      verification.push(await restorer.verifyStream(stream, target, streams[i]?.expectedDigest));
    }
    return {
      component: component.name,
      snapshotId,
      streams,
      verification,
      written: streams.reduce((n, s) => n + s.written, 0),
      deleted: streams.reduce((n, s) => n + s.deleted, 0),
      restoreMs: streams.reduce((n, s) => n + s.restoreMs, 0),
      verifyMs: verification.reduce((n, v) => n + v.verifyMs, 0),
      verified: verification.every((v) => v.ok),
    };
  }

  /**
   * One run of a component restore that may not finish in one go (a Lambda run): it restores the
   * streams from `resume.stream` on until `deadline` passes, then returns `done: false` and the
   * continuation to pass to the next run. Differential reruns recompute what still differs; full
   * ones resume from their checkpoint (under `restoreId`).
   */
  async restoreComponentRun(
    componentName: string,
    snapshotId: string,
    options: {
      mode: RestoreMode;
      restoreId: string;
      deadline?: number;
      resume?: RestoreContinuation;
      onProgress?: (component: string, p: RestoreProgress) => void;
      /**
       * false: restore the snapshot exactly, without the component's reconciliation (returning to
       * a safety snapshot after a failed rollback must give back exactly what was there). Sanitized
       * fields keep their live values either way: no snapshot holds them.
       */
      reconcile?: boolean;
      /** Only these items; the others keep their live values (src/core/restore-scope.ts). */
      items?: ItemScope;
    },
  ): Promise<{ done: boolean; continuation: RestoreContinuation }> {
    const component = componentByName(this.deps.plan, componentName);
    const summary = await this.reader.readSummary(component.name, snapshotId);
    const live = await this.deps.sources.streams(component);
    const restorer = new SnapshotRestorer(this.freshReader());
    const reconcile = this.reconcilerOf(component, options.reconcile !== false, options.items);
    const c = options.resume ?? { stream: 0, expectedDigests: [], written: 0, deleted: 0, unchanged: 0, restoreMs: 0, runs: 0 };
    let next: RestoreContinuation = { ...c, runs: c.runs + 1 };
    for (let i = c.stream; i < summary.streams.length; i++) {
      const stream = summary.streams[i];
      if (!stream) break;
      if (i > c.stream && options.deadline !== undefined && Date.now() > options.deadline) return { done: false, continuation: next };
      const target = this.matchTarget(live, stream.source.name, component.name);
      const r = await restorer.restoreStream(summary, stream, target, {
        mode: options.mode,
        ...(reconcile && stream.source.type === 'dynamodb' ? { reconcile } : {}),
        ...(options.onProgress ? { onProgress: (p: RestoreProgress) => options.onProgress?.(component.name, p) } : {}),
        checkpoint: this.checkpoint(`${options.restoreId}#${snapshotId}#${String(i)}`),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
      next = {
        ...next,
        written: next.written + r.written,
        deleted: next.deleted + r.deleted,
        // A rerun of a stream counts as unchanged what the earlier run wrote: only the diff of the
        // run that started the stream counts.
        unchanged: i > c.stream || c.runs === 0 ? next.unchanged + r.unchanged : next.unchanged,
        restoreMs: next.restoreMs + r.restoreMs,
      };
      if (!r.complete) return { done: false, continuation: { ...next, stream: i } };
      next = { ...next, stream: i + 1, expectedDigests: [...next.expectedDigests, r.expectedDigest] };
    }
    return { done: true, continuation: next };
  }

  /** Compares the live component with the expected state a restore computed (one digest per stream). */
  async verifyComponent(componentName: string, snapshotId: string, expectedDigests: readonly string[]): Promise<StreamVerification[]> {
    const component = componentByName(this.deps.plan, componentName);
    const summary = await this.reader.readSummary(component.name, snapshotId);
    const live = await this.deps.sources.streams(component);
    const restorer = new SnapshotRestorer(this.freshReader());
    const out: StreamVerification[] = [];
    for (const [i, stream] of summary.streams.entries()) {
      out.push(await restorer.verifyStream(stream, this.matchTarget(live, stream.source.name, component.name), expectedDigests[i] ?? stream.contentDigest));
    }
    return out;
  }

  /**
   * How a restore decides each DynamoDB item of a component: its sanitized fields keep their live
   * values, then its own reconciliation (auth's) applies unless `ownReconciliation` is false.
   * A targeted restore (`items`) leaves every item outside its scope as it lives. Undefined when
   * none applies: the snapshot is copied as it is.
   */
  private reconcilerOf(component: ComponentPlan, ownReconciliation = true, items?: ItemScope): RecordReconciler | undefined {
    const own = keepingSanitizedFields(component.sanitize, ownReconciliation ? semanticsOf(component.kind)?.reconcileItem : undefined);
    return items ? scopedReconciler(items, own) : own;
  }

  /** A full restore's progress, kept in the catalog so that a rerun after a crash resumes there. */
  private checkpoint(key: string): RestoreCheckpoint {
    const catalog = this.deps.catalog;
    return {
      load: () => catalog.getCheckpoint(key),
      save: (runsDone) => catalog.putCheckpoint(key, runsDone),
      clear: () => catalog.deleteCheckpoint(key),
    };
  }

  private matchTarget(live: readonly LiveStream[], sourceName: string, component: string): LiveStream {
    const target = live.find((l) => l.descriptor.name === sourceName);
    if (!target) throw new WingError(`component ${component} no longer has the source ${sourceName} its snapshot was taken from`);
    return target;
  }

  /** Restores a whole recovery point in dependency order (the rollback state machine does the same, step by step). */
  async restoreRecoveryPoint(
    recoveryPointId: string,
    options: RestoreOptions,
  ): Promise<ComponentRestoreResult[]> {
    const point = await this.getRecoveryPoint(recoveryPointId);
    if (point.status === 'Corrupt') throw new IntegrityError(`recovery point ${recoveryPointId} is Corrupt: verify it again or choose another`);
    const results: ComponentRestoreResult[] = [];
    for (const component of restoreOrder(this.deps.plan)) {
      const ref = point.snapshots.find((s) => s.component === component.name);
      if (!ref) throw new NotFoundError(`recovery point ${recoveryPointId} has no snapshot of ${component.name}`);
      // The catalog is not signed; the summary is. It must say it belongs to this point.
      const summary = await this.reader.readSummary(component.name, ref.snapshotId);
      if (summary.recoveryPointId !== recoveryPointId) {
        throw new IntegrityError(`snapshot ${ref.snapshotId} does not belong to recovery point ${recoveryPointId}`, vaultLayout.snapshotSummary(component.name, ref.snapshotId));
      }
      results.push(await this.restoreSummary(component, summary, options));
    }
    return results;
  }

  /** Backups still being taken (a rollback entering recovery mode waits for them: drain writes). */
  async runningBackups(): Promise<BackupLease[]> {
    return (await this.deps.catalog.listBackupLeases()).filter((l) => this.isRunning(l.owner, l.leaseUntil));
  }

  /** The safety snapshots a rollback took, by component. */
  async safetySnapshotsOf(rollbackId: string): Promise<SnapshotMeta[]> {
    const found: SnapshotMeta[] = [];
    for (const component of restoreOrder(this.deps.plan)) {
      const snap = (await this.deps.catalog.listSnapshots(component.name)).find((s) => s.purpose === 'safety' && s.labels.rollbackId === rollbackId);
      if (snap) found.push(snap);
    }
    return found;
  }

  private isLive(point: RecoveryPointRecord): boolean {
    return point.status === 'InProgress' && this.isRunning(point.owner, point.leaseUntil);
  }

  /** Applies the retention policy and prunes what no kept snapshot references, under the rollback lock. */
  async applyRetention(options: { dryRun: boolean; lockOwner?: string; scheduled?: boolean }): Promise<RetentionReport> {
    const pruner = new VaultPruner(this.deps.vault, this.deps.catalog);
    if (options.dryRun) {
      const plan = await this.retentionPlan();
      return retentionReport(true, plan, await pruner.prune(plan.keptPoints, plan.sideCutoff, true));
    }
    await this.assertMode('retention', options.lockOwner, options.scheduled);
    const owner = options.lockOwner ?? `retention:${this.owner.host}:${this.owner.pid}:${random()}`;
    return withLock(this.deps.lock, owner, 'retention', async (guard) => {
      // Under the lock, no backup can start writing (see withBackupLease); one already running
      // holds a lease, and its objects must not be pruned.
      const leases = await this.deps.catalog.listBackupLeases();
      const running = leases.find((l) => this.isRunning(l.owner, l.leaseUntil));
      if (running) throw new ConflictError(`a backup is being taken (${running.runId}): retention runs after it finishes`);
      for (const dead of leases) await this.deps.catalog.deleteBackupLease(dead.runId);
      const plan = await this.retentionPlan();
      // The vault record goes first: a crash in between leaves a catalog entry whose verification
      // fails, never a vault record that a catalog rebuild would bring back. The points' snapshots,
      // no longer kept by any point, go with the prune.
      for (const id of plan.doomed) {
        guard.assertHeld();
        await this.deps.vault.store.delete([vaultLayout.recoveryPoint(id)]);
        await this.deps.catalog.deleteRecoveryPoint(id);
      }
      return retentionReport(false, plan, await pruner.prune(plan.keptPoints, plan.sideCutoff, false, guard));
    });
  }

  /**
   * What retention would keep and delete. The catalog must know every recovery point the vault
   * holds: pruning from a partial catalog would delete the data of the points it lost.
   */
  private async retentionPlan(): Promise<{ decisions: RetentionDecision[]; doomed: Set<string>; keptPoints: Set<string>; sideCutoff: number }> {
    const points = await this.deps.catalog.listRecoveryPoints();
    const known = new Set(points.map((p) => p.recoveryPointId));
    for await (const o of this.deps.vault.store.list(vaultLayout.recoveryPointsPrefix)) {
      const id = o.key.slice(vaultLayout.recoveryPointsPrefix.length).replace(/\.json$/, '');
      if (!known.has(id)) {
        throw new WingError(`the catalog does not know recovery point ${id}, which the vault holds: run "npx wing backup:list --rebuild" before retention`);
      }
    }
    const decisions = decideRetention(points, this.deps.plan.retention, this.deps.clock.now(), (p) => this.isLive(p));
    const doomed = new Set(decisions.filter((d) => !d.keep).map((d) => d.recoveryPointId));
    const keptPoints = new Set(points.filter((p) => !doomed.has(p.recoveryPointId)).map((p) => p.recoveryPointId));
    return { decisions, doomed, keptPoints, sideCutoff: this.deps.clock.now().getTime() - SIDE_SNAPSHOT_DAYS * 86_400_000 };
  }


  /**
   * Rebuilds the catalog from the vault alone: authenticated summaries and recovery-point records.
   * A damaged object does not stop it: it is reported, and the point it belongs to is Corrupt.
   */
  async rebuildCatalog(): Promise<{ recoveryPoints: number; snapshots: number; damaged: string[] }> {
    const summaries: SnapshotSummary[] = [];
    const damaged: string[] = [];
    for await (const o of this.deps.vault.store.list(vaultLayout.componentsPrefix)) {
      const m = /^components\/([^/]+)\/snapshots\/(.+)\.json$/.exec(o.key);
      if (!m?.[1] || !m[2]) continue;
      try {
        summaries.push(await this.reader.readSummary(m[1], m[2]));
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        damaged.push(o.key);
      }
    }
    for (const s of summaries) await this.deps.catalog.putSnapshot(this.metaOf(s));
    let recoveryPoints = 0;
    for await (const o of this.deps.vault.store.list(vaultLayout.recoveryPointsPrefix)) {
      const id = o.key.slice(vaultLayout.recoveryPointsPrefix.length).replace(/\.json$/, '');
      let stored: RecoveryPointRecord;
      try {
        stored = await this.readPointDocument(id);
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        damaged.push(o.key);
        continue;
      }
      // The summaries are authenticated; the point's list of snapshots must agree with them.
      const own = summaries.filter((s) => s.recoveryPointId === stored.recoveryPointId);
      const agrees = stored.snapshots.every((ref) => own.some((s) => s.snapshotId === ref.snapshotId && s.itemCount === ref.items));
      await this.deps.catalog.putRecoveryPoint(agrees ? stored : { ...stored, status: 'Corrupt', error: 'recovery point record disagrees with its snapshot summaries' });
      recoveryPoints += 1;
    }
    return { recoveryPoints, snapshots: summaries.length, damaged };
  }

}
