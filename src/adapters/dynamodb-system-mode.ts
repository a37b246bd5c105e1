/**
 * The system mode as one item of the system table (pk `MODE`, sk `system`), with `mode` kept at
 * the top level so that a change can be conditional on the current mode.
 */
import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '../core/errors.js';
import { NORMAL_MODE, type SystemMode, type SystemModeState, type SystemModeStore } from '../core/system-mode.js';
import type { SystemTable } from './system-table.js';

const PK = 'MODE';
const SK = 'system';

export class DynamoSystemModeStore implements SystemModeStore {
  constructor(private readonly table: SystemTable) {}

  async get(): Promise<SystemModeState> {
    return (await this.table.getDoc<SystemModeState>(PK, SK)) ?? NORMAL_MODE;
  }

  async set(state: SystemModeState, expect?: readonly SystemMode[]): Promise<SystemModeState> {
    const values: Record<string, { S: string }> = {};
    expect?.forEach((m, i) => (values[`:m${String(i)}`] = { S: m }));
    // A missing item is the normal mode.
    const condition = expect
      ? [...(expect.includes('normal') ? ['attribute_not_exists(pk)'] : []), ...expect.map((_, i) => `#mode = :m${String(i)}`)].join(' OR ')
      : undefined;
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: { pk: { S: PK }, sk: { S: SK }, mode: { S: state.mode }, data: { S: JSON.stringify(state) } },
          ...(condition ? { ConditionExpression: condition, ExpressionAttributeNames: { '#mode': 'mode' }, ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.get();
      throw new ConflictError(`the system is in ${current.mode} mode (since ${current.changedAt}); expected ${(expect ?? []).join(' or ')}`);
    }
    return state;
  }
}
