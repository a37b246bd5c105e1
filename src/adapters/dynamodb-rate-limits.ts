/**
 * Rate limit states in the system table (pk `RATE_LIMIT`, sk the key). A change is a read, the
 * rule, and a put conditional on the version read: when two requests race, one put fails and
 * that request reads again and re-applies its rule, so a limit is never exceeded. `expiresAt`
 * is the table's TTL attribute: states nobody needs any more disappear on their own.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransientError } from '../core/errors.js';
import { EMPTY_LIMIT_STATE, type LimitChange, type LimitState, type RateLimitStore } from '../core/rate-limits.js';
import { withRetry } from '../core/retry.js';
import type { SystemTable } from './system-table.js';

const PK = 'RATE_LIMIT';
/** Contention on one key is a handful of requests at most; more attempts mean something is wrong. */
const MAX_ATTEMPTS = 20;

export class DynamoRateLimitStore implements RateLimitStore {
  constructor(private readonly table: SystemTable) {}

  async get(key: string): Promise<LimitState> {
    return (await this.read(key)).state;
  }

  async update<T>(key: string, change: (state: LimitState) => LimitChange<T>): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { state, version } = await this.read(key);
      const decided = change(state);
      try {
        await this.table.client.send(
          new PutItemCommand({
            TableName: this.table.tableName,
            Item: {
              pk: { S: PK },
              sk: { S: key },
              data: { S: JSON.stringify(decided.next) },
              version: { N: String(version + 1) },
              expiresAt: { N: String(Math.ceil(decided.forgetAfter / 1000)) },
            },
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
            ...(version === 0 ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': { N: String(version) } } }),
          }),
        );
        return decided.result;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    throw new TransientError(`the rate limit ${key} is changing too fast to be updated: try again`);
  }

  async forget(prefix: string): Promise<void> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await withRetry(() =>
        this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': { S: PK }, ':prefix': { S: prefix } },
            ProjectionExpression: 'pk, sk',
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const sk = item.sk?.S;
        if (sk !== undefined) await withRetry(() => this.table.client.send(new DeleteItemCommand({ TableName: this.table.tableName, Key: { pk: { S: PK }, sk: { S: sk } } })));
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  private async read(key: string): Promise<{ state: LimitState; version: number }> {
    const out = await withRetry(() =>
      this.table.client.send(new GetItemCommand({ TableName: this.table.tableName, Key: { pk: { S: PK }, sk: { S: key } }, ConsistentRead: true })),
    );
    const data = out.Item?.data?.S;
    if (data === undefined) return { state: EMPTY_LIMIT_STATE, version: 0 };
    return { state: JSON.parse(data) as LimitState, version: Number(out.Item?.version?.N ?? '0') };
  }
}
