import { BatchWriteItemCommand, DescribeTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsComponentSources } from '../../src/adapters/component-sources.js';
import { DynamoTable, scanSegmentsFor } from '../../src/adapters/dynamodb-table.js';
import { S3Client } from '@aws-sdk/client-s3';

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

  it('scans a table of one page in one segment and a larger one in a segment per MB, up to 8, by DynamoDB\'s size estimate', () => {
    expect(scanSegmentsFor(0)).toBe(1);
    expect(scanSegmentsFor(50_000)).toBe(1);
    expect(scanSegmentsFor(1024 * 1024)).toBe(1);
    expect(scanSegmentsFor(1024 * 1024 + 1)).toBe(2);
    expect(scanSegmentsFor(4.5 * 1024 * 1024)).toBe(5);
    expect(scanSegmentsFor(30 * 1024 * 1024)).toBe(8);
    expect(scanSegmentsFor(50 * 1024 ** 3)).toBe(8);
    // No estimate: the parallelism that serves a large table.
    expect(scanSegmentsFor(undefined)).toBe(4);
  });

  it('opens a table with the segments its size calls for, and describes it once for many reads', async () => {
    dynamo.on(DescribeTableCommand).resolves({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], ItemCount: 40, TableSizeBytes: 20_000 } });
    dynamo.on(ScanCommand).resolves({ Items: [{ pk: { S: 'a' }, sk: { S: 'x' } }] });
    const sources = new AwsComponentSources(new DynamoDBClient({ region: 'us-east-1' }), new S3Client({ region: 'us-east-1' }));
    const component = { name: 'agents', sources: [{ type: 'dynamodb' as const, tableName: 'wing-test' }] };
    for (let i = 0; i < 3; i++) {
      const [table] = await sources.streams(component as Parameters<typeof sources.streams>[0]);
      let n = 0;
      for await (const batch of table?.scan() ?? []) n += batch.length;
      expect(n).toBe(1);
    }
    expect(dynamo.commandCalls(DescribeTableCommand)).toHaveLength(1);
    // One segment, one page: one Scan per read.
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(ScanCommand)[0]?.args[0].input).toMatchObject({ Segment: 0, TotalSegments: 1 });
  });

  it('describes a table again after a failed description (a table created since is found)', async () => {
    dynamo.on(DescribeTableCommand).rejectsOnce(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' })).resolves({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } });
    const sources = new AwsComponentSources(new DynamoDBClient({ region: 'us-east-1' }), new S3Client({ region: 'us-east-1' }));
    await expect(sources.stream({ type: 'dynamodb', tableName: 'wing-test' })).rejects.toThrow(/not found/);
    const table = await sources.stream({ type: 'dynamodb', tableName: 'wing-test' });
    expect(table.descriptor.name).toBe('wing-test');
  });
});
