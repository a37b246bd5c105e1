import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/adapters/dynamodb-table.js';

const dynamo = mockClient(DynamoDBClient);

function page(segment: number, n: number, last: boolean): { Items: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue> } {
  const items = [0, 1, 2].map((i) => ({ pk: { S: `s${String(segment)}-p${String(n)}-i${String(i)}` }, sk: { S: 'x' } }));
  return last ? { Items: items } : { Items: items, LastEvaluatedKey: { pk: { S: `s${String(segment)}-p${String(n)}` }, sk: { S: 'x' } } };
}

describe('DynamoTable', () => {
  afterEach(() => {
    dynamo.reset();
  });

  it('reads every page of every segment of a parallel scan, even when the reader is slower than the scan', async () => {
    const pages = 20;
    dynamo.on(ScanCommand).callsFake((input: { Segment: number; ExclusiveStartKey?: Record<string, AttributeValue> }) => {
      const n = input.ExclusiveStartKey ? Number(/p(\d+)$/.exec(input.ExclusiveStartKey.pk?.S ?? '')?.[1] ?? 0) + 1 : 0;
      return Promise.resolve(page(input.Segment, n, n === pages - 1));
    });
    const table = new DynamoTable(new DynamoDBClient({ region: 'us-east-1' }), 'wing-test', ['pk', 'sk'], { segments: 4 });

    const keys = new Set<string>();
    for await (const batch of table.scan()) {
      for (const r of batch) keys.add(r.key.toString());
      await new Promise((r) => setTimeout(r, 2));
    }

    expect(keys.size).toBe(4 * pages * 3);
  });

  it('retries unprocessed items until every write is done', async () => {
    let calls = 0;
    dynamo.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      calls += 1;
      const pending = input.RequestItems['wing-test'] ?? [];
      // The first answer leaves half of the batch unprocessed, as DynamoDB does under throttling.
      return Promise.resolve(calls === 1 ? { UnprocessedItems: { 'wing-test': pending.slice(0, Math.floor(pending.length / 2)) } } : {});
    });
    const table = new DynamoTable(new DynamoDBClient({ region: 'us-east-1' }), 'wing-test', ['pk', 'sk'], { writeConcurrency: 1 });
    const records = Array.from({ length: 10 }, (_v, i) => table.toRecord({ pk: { S: `k${String(i)}` }, sk: { S: 'x' } }));

    await table.write(records);

    const written = dynamo.commandCalls(BatchWriteItemCommand).flatMap((c) => c.args[0].input.RequestItems?.['wing-test'] ?? []);
    expect(written).toHaveLength(15);
  });
});
