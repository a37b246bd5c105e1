/**
 * Administrators on the system table (pk `ADMIN`, sk username). The accepted TOTP step is a
 * top-level number so that accepting a code is one conditional update: two concurrent uses of the
 * same code cannot both succeed.
 */
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AdminRecord, AdminStore } from '../core/credentials.js';
import type { SystemTable } from './system-table.js';

export class DynamoAdminStore implements AdminStore {
  constructor(private readonly table: SystemTable) {}

  async get(username: string): Promise<AdminRecord | undefined> {
    const admin = await this.table.getDoc<AdminRecord>('ADMIN', username);
    if (!admin) return undefined;
    const step = await this.table.getDoc<number>('TOTP_STEP', username);
    return { ...admin, lastTotpStep: Math.max(admin.lastTotpStep, step ?? 0) };
  }

  put(admin: AdminRecord): Promise<void> {
    return this.table.putDoc('ADMIN', admin.username, admin);
  }

  async acceptTotpStep(username: string, step: number): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: { pk: { S: 'TOTP_STEP' }, sk: { S: username } },
          UpdateExpression: 'SET #step = :step, #data = :data',
          ConditionExpression: 'attribute_not_exists(#step) OR #step < :step',
          ExpressionAttributeNames: { '#step': 'step', '#data': 'data' },
          ExpressionAttributeValues: { ':step': { N: String(step) }, ':data': { S: String(step) } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  list(): Promise<AdminRecord[]> {
    return this.table.queryDocs<AdminRecord>('ADMIN');
  }
}
