/**
 * Rollback records in the system table: pk `ROLLBACK`, sk the rollback id (time-sortable, so a
 * query returns them oldest first); each component's progress under pk `ROLLBACK#<id>`, one item
 * per component, so the parallel restores of one level never overwrite each other's counts. The
 * current step is also kept as its own attribute, which parallel Tasks set with a single-attribute
 * update instead of rewriting the record.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { withRetry } from '../core/retry.js';
import type { ComponentProgress, RollbackJournal, RollbackRecord } from '../core/rollback-journal.js';
import type { SystemTable } from './system-table.js';

const RECORDS = 'ROLLBACK';

export class DynamoRollbackJournal implements RollbackJournal {
  constructor(private readonly table: SystemTable) {}

  put(record: RollbackRecord): Promise<void> {
    return this.table.putDoc(RECORDS, record.rollbackId, record, {
      currentStep: { S: record.step },
      ...(record.forwardStep !== undefined ? { forwardStep: { S: record.forwardStep } } : {}),
    });
  }

  async get(rollbackId: string): Promise<RollbackRecord | undefined> {
    const out = await withRetry(() =>
      this.table.client.send(new GetItemCommand({ TableName: this.table.tableName, Key: { pk: { S: RECORDS }, sk: { S: rollbackId } }, ConsistentRead: true })),
    );
    const data = out.Item?.data?.S;
    if (data === undefined) return undefined;
    const record = JSON.parse(data) as RollbackRecord;
    const step = out.Item?.currentStep?.S;
    const forwardStep = out.Item?.forwardStep?.S;
    return { ...record, ...(step !== undefined ? { step } : {}), ...(forwardStep !== undefined ? { forwardStep } : {}) };
  }

  async setStep(rollbackId: string, step: string, forward: boolean): Promise<void> {
    await withRetry(() =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: { pk: { S: RECORDS }, sk: { S: rollbackId } },
          UpdateExpression: forward ? 'SET currentStep = :s, forwardStep = :s' : 'SET currentStep = :s',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':s': { S: step } },
        }),
      ),
    );
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
