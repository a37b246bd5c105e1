/**
 * Rollback records in the system table: pk `ROLLBACK`, sk the rollback id (time-sortable, so a
 * query returns them oldest first); each component's progress under pk `ROLLBACK#<id>`, one item
 * per component, so the parallel restores of one level never overwrite each other's counts.
 */
import type { ComponentProgress, RollbackJournal, RollbackRecord } from '../core/rollback-journal.js';
import type { SystemTable } from './system-table.js';

const RECORDS = 'ROLLBACK';

export class DynamoRollbackJournal implements RollbackJournal {
  constructor(private readonly table: SystemTable) {}

  put(record: RollbackRecord): Promise<void> {
    return this.table.putDoc(RECORDS, record.rollbackId, record);
  }

  get(rollbackId: string): Promise<RollbackRecord | undefined> {
    return this.table.getDoc<RollbackRecord>(RECORDS, rollbackId);
  }

  async list(): Promise<RollbackRecord[]> {
    return (await this.table.queryDocs<RollbackRecord>(RECORDS)).reverse();
  }

  putProgress(rollbackId: string, progress: ComponentProgress): Promise<void> {
    return this.table.putDoc(`${RECORDS}#${rollbackId}`, progress.component, progress);
  }

  listProgress(rollbackId: string): Promise<ComponentProgress[]> {
    return this.table.queryDocs<ComponentProgress>(`${RECORDS}#${rollbackId}`);
  }
}
