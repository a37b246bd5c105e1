/**
 * The audit trail in the system table: pk `AUDIT`, sk the sequence number zero-padded (so the
 * sort order is the append order). A record is written with `attribute_not_exists(pk)` at the
 * number after the newest one; a writer that loses the race reads again and takes the next.
 */
import { ConditionalCheckFailedException, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AuditEntry, AuditRecord, AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/ports.js';
import type { SystemTable } from './system-table.js';

const PK = 'AUDIT';
const SEQ_DIGITS = 12;
const MAX_ATTEMPTS = 20;

function sortKey(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

export class DynamoAuditTrail implements AuditTrail {
  constructor(
    private readonly table: SystemTable,
    private readonly clock: Clock,
  ) {}

  async append(entry: AuditEntry): Promise<AuditRecord> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const last = (await this.list({ limit: 1 }))[0];
      const record: AuditRecord = { seq: (last?.seq ?? 0) + 1, time: this.clock.now().toISOString(), ...entry };
      try {
        await this.table.client.send(
          new PutItemCommand({
            TableName: this.table.tableName,
            Item: { pk: { S: PK }, sk: { S: sortKey(record.seq) }, data: { S: JSON.stringify(record) } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return record;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    throw new Error(`could not append to the audit trail after ${MAX_ATTEMPTS} attempts (too many writers)`);
  }

  async list(options: { limit?: number } = {}): Promise<AuditRecord[]> {
    const limit = options.limit ?? 100;
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: PK } },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).flatMap((item) => (item.data?.S === undefined ? [] : [JSON.parse(item.data.S) as AuditRecord]));
  }
}
