/**
 * The catalog on the system table: recovery points under pk `RECOVERY_POINT`, snapshots under
 * `SNAPSHOT#<component>`, both sorted by their time-sortable ids; restore checkpoints under
 * `RESTORE_CHECKPOINT`, leases of running backups under `BACKUP_LEASE`.
 */
import type { BackupLease, Catalog, RecoveryPointRecord, SnapshotMeta } from '../core/catalog.js';
import type { SystemTable } from './system-table.js';

const RP = 'RECOVERY_POINT';
const CHECKPOINT = 'RESTORE_CHECKPOINT';
const LEASE = 'BACKUP_LEASE';
const snapshotPk = (component: string): string => `SNAPSHOT#${component}`;

export class DynamoCatalog implements Catalog {
  constructor(private readonly table: SystemTable) {}

  putRecoveryPoint(point: RecoveryPointRecord): Promise<void> {
    return this.table.putDoc(RP, point.recoveryPointId, point);
  }
  getRecoveryPoint(recoveryPointId: string): Promise<RecoveryPointRecord | undefined> {
    return this.table.getDoc<RecoveryPointRecord>(RP, recoveryPointId);
  }
  listRecoveryPoints(): Promise<RecoveryPointRecord[]> {
    return this.table.queryDocs<RecoveryPointRecord>(RP);
  }
  deleteRecoveryPoint(recoveryPointId: string): Promise<void> {
    return this.table.deleteDoc(RP, recoveryPointId);
  }
  putSnapshot(snapshot: SnapshotMeta): Promise<void> {
    return this.table.putDoc(snapshotPk(snapshot.component), snapshot.snapshotId, snapshot);
  }
  getSnapshot(component: string, snapshotId: string): Promise<SnapshotMeta | undefined> {
    return this.table.getDoc<SnapshotMeta>(snapshotPk(component), snapshotId);
  }
  listSnapshots(component: string): Promise<SnapshotMeta[]> {
    return this.table.queryDocs<SnapshotMeta>(snapshotPk(component));
  }
  deleteSnapshot(component: string, snapshotId: string): Promise<void> {
    return this.table.deleteDoc(snapshotPk(component), snapshotId);
  }
  getCheckpoint(key: string): Promise<number | undefined> {
    return this.table.getDoc<number>(CHECKPOINT, key);
  }
  putCheckpoint(key: string, runsDone: number): Promise<void> {
    return this.table.putDoc(CHECKPOINT, key, runsDone);
  }
  deleteCheckpoint(key: string): Promise<void> {
    return this.table.deleteDoc(CHECKPOINT, key);
  }
  putBackupLease(lease: BackupLease): Promise<void> {
    return this.table.putDoc(LEASE, lease.runId, lease);
  }
  deleteBackupLease(runId: string): Promise<void> {
    return this.table.deleteDoc(LEASE, runId);
  }
  listBackupLeases(): Promise<BackupLease[]> {
    return this.table.queryDocs<BackupLease>(LEASE);
  }
}
