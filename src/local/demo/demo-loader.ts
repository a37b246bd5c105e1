/**
 * Writes the demo WING data (see `demo-records.ts`) into DynamoDB and S3: creates the four tables
 * and the document bucket, loads a scale of base data, and applies simulated days of activity.
 *
 * Throughput comes from keeping a few requests in flight rather than from big ones: DynamoDB takes
 * at most 25 items per BatchWriteItem, and S3 one object per PutObject. A document's body is written
 * before its index item, so a reader never sees an index entry without its body.
 */
import {
  BatchWriteItemCommand,
  UpdateItemCommand,
  paginateScan,
  type DynamoDBClient,
  type ScanCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePkSkTable } from '../../adapters/pk-sk-table.js';
import { defaultResourceNames } from '../../core/plan.js';
import { TransientError } from '../../core/errors.js';
import {
  agentItemKinds,
  demoLiveStateFromItems,
  dynamoItemSize,
  generateAgentItems,
  generateAuthItems,
  generateSquadronItems,
  generateVisionLakeDocuments,
  planDemoMutation,
  validateDemoOptions,
  type DemoChangeCounts,
  type DemoComponent,
  type DemoComponentSize,
  type DemoDocument,
  type DemoItem,
  type DemoLiveState,
  type DemoObject,
  type DemoTable,
  type DemoWrite,
} from './demo-records.js';

/** Where the demo data lives: the four tables and the vision-lake document bucket. */
export interface DemoResourceNames {
  readonly visionLakeTable: string;
  readonly visionLakeBucket: string;
  readonly authTable: string;
  readonly agentsTable: string;
  readonly squadronsTable: string;
}

/** The given names, the default WING resource names for the rest. */
export function resolveDemoNames(names: Partial<DemoResourceNames> = {}): DemoResourceNames {
  return { ...defaultResourceNames, ...names };
}

const BATCH_SIZE = 25;
const BATCHES_IN_FLIGHT = 4;
// 4 batches × 4 bodies each: about 16 PutObject requests in flight.
const OBJECTS_PER_BATCH_IN_FLIGHT = 4;
const OBJECTS_IN_FLIGHT = 16;
const UPDATES_IN_FLIGHT = 8;
const UNPROCESSED_RETRIES = 10;

const tablesOf = (names: DemoResourceNames): string[] => [
  names.visionLakeTable,
  names.authTable,
  names.agentsTable,
  names.squadronsTable,
];

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : '';
}

/**
 * Creates the four demo tables (`pk` HASH, `sk` RANGE, both strings, on-demand) and waits until
 * each is ACTIVE. Tables that already exist are left as they are.
 */
export async function createDemoTables(dynamo: DynamoDBClient, names: Partial<DemoResourceNames> = {}): Promise<void> {
  await Promise.all(tablesOf(resolveDemoNames(names)).map((table) => ensurePkSkTable(dynamo, table)));
}

/** Creates the bucket unless it exists already. */
export async function createBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
    return;
  } catch (err) {
    if (!['NotFound', 'NoSuchBucket'].includes(errorName(err))) throw err;
  }
  const region = await s3.config.region();
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: name,
        // us-east-1 is the one region that refuses an explicit location constraint.
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (err) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(errorName(err))) throw err;
  }
}

// ---------- bounded concurrency ----------

function* chunks<T>(source: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const value of source) {
    chunk.push(value);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Runs `work` over `source` with at most `limit` calls pending. The source is pulled lazily, so a
 * generator of 100 MB of documents never sits in memory at once. The first failure stops the pull.
 */
async function forEachBounded<T>(source: Iterable<T>, limit: number, work: (value: T) => Promise<void>): Promise<void> {
  const iterator = source[Symbol.iterator]();
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed) {
      const next = iterator.next();
      if (next.done === true) return;
      try {
        await work(next.value);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Writes up to 25 requests, retrying what DynamoDB leaves unprocessed with exponential backoff. */
async function batchWrite(dynamo: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > UNPROCESSED_RETRIES) {
      throw new TransientError(
        `${String(pending.length)} items of ${table} stayed unprocessed after ${String(UNPROCESSED_RETRIES)} retries`,
      );
    }
    if (attempt > 0) await sleep(Math.min(2_000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
    const out = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = out.UnprocessedItems?.[table] ?? [];
  }
}

async function putObject(s3: S3Client, bucket: string, object: DemoObject): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: object.key,
      Body: object.body,
      ContentType: object.contentType,
      Metadata: { ...object.metadata },
    }),
  );
}

// ---------- base data ----------

/** Progress of a load, reported after each batch. */
export interface DemoProgress {
  readonly component: DemoComponent;
  /** Records written so far (documents count once for their index item and body). */
  readonly done: number;
  readonly total: number;
}

/** Options of {@link loadDemoData}. */
export interface LoadDemoDataOptions {
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  /** 1 ≈ 100 MB; fractions allowed. */
  readonly scale: number;
  readonly seed: number;
  /** @default defaultResourceNames */
  readonly names?: Partial<DemoResourceNames>;
  /** The instant the data is "as of". @default new Date(DEMO_EPOCH_MS) */
  readonly now?: Date;
  readonly onProgress?: (progress: DemoProgress) => void;
}

/** What a load wrote, per component. */
export type DemoLoadCounts = Record<DemoComponent, DemoComponentSize>;

/**
 * Creates the tables and bucket if needed and writes the base demo data of a scale and seed.
 * Writing is idempotent (puts of the same items), but it does not remove what earlier loads or
 * days of activity added.
 */
export async function loadDemoData(options: LoadDemoDataOptions): Promise<DemoLoadCounts> {
  const { dynamo, s3, onProgress } = options;
  const names = resolveDemoNames(options.names);
  const generation = { scale: options.scale, seed: options.seed, ...(options.now ? { now: options.now } : {}) };
  const counts = validateDemoOptions(options);
  await Promise.all([createDemoTables(dynamo, names), createBucket(s3, names.visionLakeBucket)]);

  const result: DemoLoadCounts = {
    'vision-lake': { items: 0, objects: 0, bytes: 0 },
    auth: { items: 0, objects: 0, bytes: 0 },
    agents: { items: 0, objects: 0, bytes: 0 },
    squadrons: { items: 0, objects: 0, bytes: 0 },
  };
  const totals: Record<DemoComponent, number> = {
    'vision-lake': counts.documents,
    auth: counts.users + counts.sessions + counts.revocations + counts.emergencyCredentials,
    agents: counts.agents * agentItemKinds.length,
    squadrons: counts.squadrons,
  };
  const report = (component: DemoComponent, size: DemoComponentSize): void => {
    onProgress?.({ component, done: size.items, total: totals[component] });
  };

  const documentBatches = chunks(generateVisionLakeDocuments(generation), BATCH_SIZE);
  const loadDocuments = forEachBounded(documentBatches, BATCHES_IN_FLIGHT, async (batch: DemoDocument[]) => {
    await forEachBounded(batch, OBJECTS_PER_BATCH_IN_FLIGHT, (doc) =>
      putObject(s3, names.visionLakeBucket, doc.object),
    );
    await batchWrite(dynamo, names.visionLakeTable, batch.map((doc) => ({ PutRequest: { Item: doc.indexItem } })));
    const size = result['vision-lake'];
    for (const doc of batch) {
      size.items += 1;
      size.objects += 1;
      size.bytes += dynamoItemSize(doc.indexItem) + doc.object.body.byteLength;
    }
    report('vision-lake', size);
  });

  const loadItems = async (component: DemoComponent, table: string, items: Iterable<DemoItem>): Promise<void> => {
    await forEachBounded(chunks(items, BATCH_SIZE), BATCHES_IN_FLIGHT, async (batch) => {
      await batchWrite(dynamo, table, batch.map((item) => ({ PutRequest: { Item: item } })));
      const size = result[component];
      for (const item of batch) {
        size.items += 1;
        size.bytes += dynamoItemSize(item);
      }
      report(component, size);
    });
  };
  // The tables load one after another beside the documents, so a handful of batches are in flight
  // at any time: more only queues up inside DynamoDB Local.
  const loadTables = (async () => {
    await loadItems('auth', names.authTable, generateAuthItems(generation));
    await loadItems('agents', names.agentsTable, generateAgentItems(generation));
    await loadItems('squadrons', names.squadronsTable, generateSquadronItems(generation));
  })();
  await Promise.all([loadDocuments, loadTables]);
  return result;
}

// ---------- days of activity ----------

async function scanAll(dynamo: DynamoDBClient, input: ScanCommandInput): Promise<DemoItem[]> {
  const items: DemoItem[] = [];
  for await (const page of paginateScan({ client: dynamo, pageSize: 1000 }, input)) items.push(...(page.Items ?? []));
  return items;
}

/** Reads what a day of activity needs from the live tables: keys and a few attributes, never bodies. */
export async function readDemoLiveState(
  dynamo: DynamoDBClient,
  names: Partial<DemoResourceNames> = {},
): Promise<DemoLiveState> {
  const resolved = resolveDemoNames(names);
  // `size`, `version` and friends are reserved words: name every projected attribute.
  type Projection = Pick<ScanCommandInput, 'ProjectionExpression' | 'ExpressionAttributeNames'>;
  const project = (attributes: readonly string[]): Projection => ({
    ProjectionExpression: attributes.map((_, i) => `#p${String(i)}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#p${String(i)}`, a])),
  });
  const [documents, auth, agents, squadrons] = await Promise.all([
    scanAll(dynamo, { TableName: resolved.visionLakeTable, ...project(['pk', 'sk', 'version']) }),
    scanAll(dynamo, {
      TableName: resolved.authTable,
      ...project(['pk', 'sk', 'kind', 'disabled', 'sessionId', 'issuedAt']),
    }),
    scanAll(dynamo, { TableName: resolved.agentsTable, ...project(['pk', 'sk']) }),
    scanAll(dynamo, { TableName: resolved.squadronsTable }),
  ]);
  return demoLiveStateFromItems({ visionLake: documents, auth, agents, squadrons });
}

/** Options of {@link mutateDemoData}. */
export interface MutateDemoDataOptions {
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  readonly seed: number;
  /** Day number: each day draws different changes. */
  readonly day: number;
  /** About this percentage of each component changes. @default 1 */
  readonly percent?: number;
  /** End of the simulated day. */
  readonly now: Date;
  /** @default defaultResourceNames */
  readonly names?: Partial<DemoResourceNames>;
  /**
   * The scale the data was loaded with. Not needed: the day sizes itself from the live tables, so
   * it stays right after additions, deletions or a rollback. Accepted so callers can pass the
   * options they gave {@link loadDemoData}.
   */
  readonly scale?: number;
}

/**
 * Applies one deterministic day of activity (`planDemoMutation`) to the live data: for the same
 * live data, seed, day and clock it makes the same changes. Returns what changed per component.
 */
export async function mutateDemoData(options: MutateDemoDataOptions): Promise<Record<DemoComponent, DemoChangeCounts>> {
  const { dynamo, s3 } = options;
  const names = resolveDemoNames(options.names);
  const state = await readDemoLiveState(dynamo, names);
  const plan = planDemoMutation(state, {
    seed: options.seed,
    day: options.day,
    percent: options.percent ?? 1,
    now: options.now,
  });
  await applyDemoWrites(dynamo, s3, names, plan.writes);
  return plan.changes;
}

/** Applies writes in three phases: object puts, item writes, object deletes (see `DemoWrite`). */
async function applyDemoWrites(
  dynamo: DynamoDBClient,
  s3: S3Client,
  names: DemoResourceNames,
  writes: readonly DemoWrite[],
): Promise<void> {
  const bucket = names.visionLakeBucket;
  const objectPuts = writes.flatMap((w) => (w.type === 'put-object' ? [w.object] : []));
  await forEachBounded(objectPuts, OBJECTS_IN_FLIGHT, (object) => putObject(s3, bucket, object));

  const requestsByTable = new Map<DemoTable, WriteRequest[]>();
  const updates: Extract<DemoWrite, { type: 'update-item' }>[] = [];
  for (const write of writes) {
    if (write.type === 'update-item') updates.push(write);
    if (write.type !== 'put-item' && write.type !== 'delete-item') continue;
    const requests = requestsByTable.get(write.table) ?? [];
    requests.push(
      write.type === 'put-item' ? { PutRequest: { Item: write.item } } : { DeleteRequest: { Key: write.key } },
    );
    requestsByTable.set(write.table, requests);
  }
  const batches = [...requestsByTable].flatMap(([table, requests]) =>
    [...chunks(requests, BATCH_SIZE)].map((batch) => ({ table, batch })),
  );
  await forEachBounded(batches, BATCHES_IN_FLIGHT, ({ table, batch }) => batchWrite(dynamo, names[table], batch));
  await forEachBounded(updates, UPDATES_IN_FLIGHT, (update) =>
    updateItem(dynamo, names[update.table], update.key, update.set),
  );

  const objectDeletes = writes.flatMap((w) => (w.type === 'delete-object' ? [w.key] : []));
  await forEachBounded(objectDeletes, OBJECTS_IN_FLIGHT, async (key) => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  });
}

/** Sets attributes of an existing item; an item deleted meanwhile is not brought back half-made. */
async function updateItem(dynamo: DynamoDBClient, table: string, key: DemoItem, set: DemoItem): Promise<void> {
  const attributes = Object.entries(set);
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${attributes.map((_, i) => `#a${String(i)} = :a${String(i)}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(attributes.map(([name], i) => [`#a${String(i)}`, name])),
        ExpressionAttributeValues: Object.fromEntries(attributes.map(([, value], i) => [`:a${String(i)}`, value])),
      }),
    );
  } catch (err) {
    if (errorName(err) !== 'ConditionalCheckFailedException') throw err;
  }
}
