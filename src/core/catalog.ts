/**
 * The catalog: recovery points and component snapshots as the operator sees them. It lives in the
 * rollback system's own table, never in a component it restores, and can be rebuilt from the
 * vault's summaries alone.
 *
 * A recovery point is one backup run over every component of the plan. Its status:
 * - InProgress: the run is going (or its owner died; retention turns a dead one into Failed);
 * - Completed: every component snapshot was taken and the cross-component checks passed;
 * - PartiallyFailed: some components failed, others were taken;
 * - Failed: no usable snapshot;
 * - Inconsistent: taken, but the cross-component checks failed;
 * - Corrupt: a later verification found damage.
 * It is *verified* when `verifiedAt` is set: every object it references was decrypted and
 * re-hashed. Only Completed, verified points are chosen automatically.
 */

export const recoveryPointStatuses = ['InProgress', 'Completed', 'PartiallyFailed', 'Failed', 'Inconsistent', 'Corrupt'] as const;
export type RecoveryPointStatus = (typeof recoveryPointStatuses)[number];

export interface SnapshotRef {
  readonly component: string;
  readonly snapshotId: string;
  readonly items: number;
  /** Bytes this snapshot added to the vault. */
  readonly bytes: number;
  readonly logicalBytes: number;
}

export interface CheckResult {
  readonly name: string;
  readonly component: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DrillRecord {
  readonly at: string;
  readonly durationMs: number;
  readonly items: number;
  readonly result: 'passed' | 'failed';
  readonly detail: string;
}

export interface RecoveryPointRecord {
  readonly recoveryPointId: string;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly type: 'full' | 'incremental';
  readonly status: RecoveryPointStatus;
  readonly verifiedAt: string | null;
  readonly snapshots: readonly SnapshotRef[];
  readonly checks: readonly CheckResult[];
  readonly labels: Readonly<Record<string, string>>;
  readonly lastDrill: DrillRecord | null;
  /** Who is taking it, while InProgress: a dead owner means a crashed run. */
  readonly owner: { readonly host: string; readonly pid: number } | null;
  readonly leaseUntil: string | null;
  readonly error: string | null;
  /** The status a Corrupt point had before; a later verification that passes restores it. */
  readonly statusBeforeCorrupt?: RecoveryPointStatus | null;
  /** The wrapped key that signs the vault's copy of this record. */
  readonly key?: { readonly wrapped: string; readonly keyId: string; readonly context: { readonly backupId: string; readonly component: string } };
}

export interface SnapshotMeta {
  readonly snapshotId: string;
  readonly component: string;
  readonly purpose: 'recovery-point' | 'component' | 'safety';
  readonly type: 'full' | 'incremental';
  readonly createdAt: string;
  readonly recoveryPointId: string | null;
  readonly parentSnapshotId: string | null;
  readonly itemCount: number;
  readonly contentDigest: string;
  readonly logicalBytes: number;
  readonly storedBytes: number;
  readonly status: 'Completed' | 'Corrupt';
  readonly verifiedAt: string | null;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A backup being taken: recorded before its first write and renewed while it runs, so that a
 * prune (which checks the leases after taking the rollback lock) never deletes its objects.
 */
export interface BackupLease {
  readonly runId: string;
  readonly owner: { readonly host: string; readonly pid: number };
  readonly startedAt: string;
  readonly leaseUntil: string;
}

/** Catalog port; implemented on the system table (DynamoDB) and rebuilt from the vault. */
export interface Catalog {
  putRecoveryPoint(point: RecoveryPointRecord): Promise<void>;
  getRecoveryPoint(recoveryPointId: string): Promise<RecoveryPointRecord | undefined>;
  /** Oldest first. */
  listRecoveryPoints(): Promise<RecoveryPointRecord[]>;
  deleteRecoveryPoint(recoveryPointId: string): Promise<void>;
  putSnapshot(snapshot: SnapshotMeta): Promise<void>;
  getSnapshot(component: string, snapshotId: string): Promise<SnapshotMeta | undefined>;
  /** Oldest first. */
  listSnapshots(component: string): Promise<SnapshotMeta[]>;
  deleteSnapshot(component: string, snapshotId: string): Promise<void>;
  /** Restore checkpoints: how many manifest runs of a stream a full restore has written. */
  getCheckpoint(key: string): Promise<number | undefined>;
  putCheckpoint(key: string, runsDone: number): Promise<void>;
  deleteCheckpoint(key: string): Promise<void>;
  putBackupLease(lease: BackupLease): Promise<void>;
  deleteBackupLease(runId: string): Promise<void>;
  listBackupLeases(): Promise<BackupLease[]>;
}

/** Is this point eligible for automatic selection? */
export function isSelectable(point: RecoveryPointRecord): boolean {
  return point.status === 'Completed' && point.verifiedAt !== null;
}

/** Time-sortable identifiers: `<prefix>-<UTC timestamp>-<random>`. */
export function newId(prefix: string, at: Date, random: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1Z');
  return `${prefix}-${stamp}-${random}`;
}

/**
 * A recovery point as `backup:list --json` and `GET /api/backups` show it (CONTRACT.md's shape):
 * with `component`, only that component's snapshot.
 */
export function recoveryPointSummary(p: RecoveryPointRecord, component?: string) {
  return {
    recoveryPointId: p.recoveryPointId,
    createdAt: p.createdAt,
    type: p.type,
    status: p.status,
    verifiedAt: p.verifiedAt,
    snapshots: p.snapshots.filter((s) => component === undefined || s.component === component).map((s) => ({ component: s.component, snapshotId: s.snapshotId, items: s.items, bytes: s.bytes })),
    lastDrill: p.lastDrill ? { ...p.lastDrill } : null,
    labels: { ...p.labels },
    ...(p.error ? { error: p.error } : {}),
  };
}
