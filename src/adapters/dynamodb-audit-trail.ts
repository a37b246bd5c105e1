/**
 * The audit trail in the system table: pk `AUDIT`, sk the sequence number zero-padded (so the
 * sort order is the append order). A record is written with `attribute_not_exists(pk)` at the
 * number after the newest one, chained to its hash; a writer that loses the race reads again
 * and takes the next.
 */
import { ConditionalCheckFailedException, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { chainedRecord, type AuditEntry, type AuditRecord, type AuditTrail, type StoredAuditRecord } from '../core/audit-trail.js';
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
      const record = chainedRecord(last, entry, this.clock.now().toISOString());
      try {
        await this.table.client.send(
          new PutItemCommand({
            TableName: this.table.tableName,
            Item: { pk: { S: PK }, sk: { S: sortKey(record.seq) }, data: { S: JSON.stringify(record) } },
            // Only a new position: a record is never overwritten through this port.
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

  async all(): Promise<StoredAuditRecord[]> {
    const out: StoredAuditRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({ TableName: this.table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: PK } }, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) {
        const data = item.data?.S;
        const sk = item.sk?.S;
        if (data === undefined || sk === undefined) continue;
        out.push({ position: Number(sk), record: JSON.parse(data) as AuditRecord });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
