/**
 * The rollback system's own DynamoDB table (catalog, administrators, locks, checkpoints, mode).
 * One table, string keys `pk` and `sk`; each entity is a JSON document in `data`, with the few
 * attributes that conditional writes test kept at the top level.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensurePkSkTable } from './pk-sk-table.js';
import { withRetry } from '../core/retry.js';

export class SystemTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /** Creates the table if it does not exist and waits until it is active. */
  ensure(): Promise<void> {
    return ensurePkSkTable(this.client, this.tableName);
  }

  async getDoc<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await withRetry(() =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true })),
    );
    const data = out.Item?.data?.S;
    return data === undefined ? undefined : (JSON.parse(data) as T);
  }

  async putDoc(pk: string, sk: string, doc: unknown, extra: Record<string, AttributeValue> = {}): Promise<void> {
    await withRetry(() =>
      this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: pk }, sk: { S: sk }, data: { S: JSON.stringify(doc) }, ...extra } }),
      ),
    );
  }

  async deleteDoc(pk: string, sk: string): Promise<void> {
    await withRetry(() => this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } } })));
  }

  /** Every document under a partition key, in sort-key order. */
  async queryDocs<T>(pk: string): Promise<T[]> {
    const out: T[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await withRetry(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: pk } },
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      for (const item of page.Items ?? []) if (item.data?.S !== undefined) out.push(JSON.parse(item.data.S) as T);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
