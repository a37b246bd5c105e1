/**
 * A DynamoDB table as a snapshot source and a restore target. Reading is a parallel scan by
 * segments (each page yielded as a batch as soon as it arrives); writing and deleting use
 * BatchWriteItem in batches of 25, several in flight, retrying UnprocessedItems and throttling
 * with exponential backoff until every item is written.
 */
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { decodeItem, decodeItemKey, encodeItem, encodeItemKey } from '../core/canonical-item.js';
import { asError, TransientError } from '../core/errors.js';
import { backoffDelay, forEachLimit, sleep, withRetry } from '../core/retry.js';
import type { SourceDescriptor } from '../core/snapshot/snapshot-summary.js';
import type { RecordStream, RestoreTarget, SnapshotRecord } from '../core/snapshot/record-stream.js';

export interface DynamoTableOptions {
  readonly segments?: number;
  readonly writeConcurrency?: number;
}

/** What DescribeTable says of a table: its key attribute names (partition key first) and DynamoDB's estimates. */
export interface TableDescription {
  readonly keyNames: string[];
  /** Item count and size as DynamoDB estimates them (refreshed about every six hours on AWS). */
  readonly estimatedItems: number | undefined;
  readonly estimatedBytes: number | undefined;
}

export async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const out = await withRetry(() => client.send(new DescribeTableCommand({ TableName: tableName })));
  const schema = out.Table?.KeySchema ?? [];
  const hash = schema.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = schema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return { keyNames: [hash, range].filter((k): k is string => k !== undefined), estimatedItems: out.Table?.ItemCount, estimatedBytes: out.Table?.TableSizeBytes };
}

/** Bytes of table per scan segment: a Scan page holds up to 1 MB, so each segment has a page or more to read. */
const BYTES_PER_SEGMENT = 1024 * 1024;
const MAX_SEGMENTS = 8;
const UNKNOWN_SIZE_SEGMENTS = 4;

/**
 * How many segments a parallel scan of a table of this (estimated) size uses. Segments pay off
 * only when each has pages to read: a table of one page scanned in four segments costs four
 * requests instead of one. The estimate may be hours old; a table that grew since is still read
 * entirely, only with less parallelism.
 */
export function scanSegmentsFor(estimatedBytes: number | undefined): number {
  if (estimatedBytes === undefined) return UNKNOWN_SIZE_SEGMENTS;
  return Math.min(MAX_SEGMENTS, Math.max(1, Math.ceil(estimatedBytes / BYTES_PER_SEGMENT)));
}

export class DynamoTable implements RecordStream, RestoreTarget {
  readonly descriptor: SourceDescriptor;
  private readonly segments: number;
  private readonly writeConcurrency: number;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly keyNames: readonly string[],
    options: DynamoTableOptions = {},
    /** DynamoDB's item count (refreshed about every six hours on AWS): for progress and ETA only. */
    readonly estimatedCount?: number,
  ) {
    this.descriptor = { type: 'dynamodb', name: tableName, tableName, keyNames: [...keyNames] };
    this.segments = options.segments ?? 4;
    this.writeConcurrency = options.writeConcurrency ?? 8;
  }

  static async open(client: DynamoDBClient, tableName: string, options: DynamoTableOptions = {}, description?: TableDescription): Promise<DynamoTable> {
    const { keyNames, estimatedItems, estimatedBytes } = description ?? (await describeTable(client, tableName));
    return new DynamoTable(client, tableName, keyNames, { segments: scanSegmentsFor(estimatedBytes), ...options }, estimatedItems);
  }

  /** Canonical record of an item. */
  toRecord(item: Record<string, AttributeValue>): SnapshotRecord {
    return { key: encodeItemKey(item, this.keyNames), body: encodeItem(item) };
  }

  read(): AsyncIterable<readonly SnapshotRecord[]> {
    return this.scan();
  }

  /** Parallel scan: pages of all segments, yielded as they arrive. */
  async *scan(): AsyncGenerator<readonly SnapshotRecord[]> {
    const queue: (readonly SnapshotRecord[])[] = [];
    let running = this.segments;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    // Each segment waits while the queue is long, so a slow consumer bounds memory. Every waiting
    // segment has its own resolver, and all are woken when the queue shrinks or a segment fails.
    const maxQueued = this.segments * 2;
    let waiting: (() => void)[] = [];
    const resumeAll = (): void => {
      const woken = waiting;
      waiting = [];
      for (const r of woken) r();
    };
    const segment = async (n: number): Promise<void> => {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await withRetry(() =>
          this.client.send(
            new ScanCommand({ TableName: this.tableName, Segment: n, TotalSegments: this.segments, ExclusiveStartKey: start, ConsistentRead: true }),
          ),
        );
        queue.push((page.Items ?? []).map((item) => this.toRecord(item)));
        notify();
        start = page.LastEvaluatedKey;
        while (queue.length >= maxQueued && failure === undefined) await new Promise<void>((r) => waiting.push(r));
      } while (start);
    };
    for (let n = 0; n < this.segments; n++) {
      segment(n).then(
        () => {
          running -= 1;
          notify();
        },
        (err: unknown) => {
          failure ??= asError(err);
          running -= 1;
          resumeAll();
          notify();
        },
      );
    }
    for (;;) {
      if (failure) throw failure;
      const batch = queue.shift();
      if (batch) {
        resumeAll();
        if (batch.length > 0) yield batch;
        continue;
      }
      if (running === 0) break;
      await new Promise<void>((r) => (wake = r));
    }
  }

  async write(records: readonly SnapshotRecord[]): Promise<void> {
    await this.batchWrite(records.map((r) => ({ PutRequest: { Item: decodeItem(r.body) } })));
  }

  async delete(keys: readonly Buffer[]): Promise<void> {
    await this.batchWrite(keys.map((k) => ({ DeleteRequest: { Key: decodeItemKey(k) } })));
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
    await forEachLimit(batches, this.writeConcurrency, async (batch) => {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 12) throw new TransientError(`${this.tableName}: ${pending.length} items still unprocessed after ${attempt - 1} attempts`);
        if (attempt > 1) await sleep(backoffDelay(attempt - 1, 50, 5000));
        const out = await withRetry(() => this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })));
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    });
  }
}
