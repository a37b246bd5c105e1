import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient, localS3Client } from '../../src/adapters/local-clients.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { createBucket, createDemoTables, loadDemoData, mutateDemoData } from '../../src/local/demo/demo-loader.js';
import { agentItemKinds, demoCounts, type DemoItem } from '../../src/local/demo/demo-records.js';
import { startLocalServices, type RunningServices } from '../../src/local/local-services.js';

const SCALE = 0.01;
const SEED = 11;
const names = defaultResourceNames;

/** The live data: items by table and document bodies by key. */
interface LiveData {
  visionLake: Map<string, DemoItem>;
  auth: Map<string, DemoItem>;
  agents: Map<string, DemoItem>;
  squadrons: Map<string, DemoItem>;
  bodies: Map<string, { body: Buffer; metadata: Record<string, string>; contentType: string }>;
}

const keyOf = (item: DemoItem): string => `${item.pk?.S ?? ''}|${item.sk?.S ?? ''}`;

async function scanTable(dynamo: DynamoDBClient, table: string): Promise<Map<string, DemoItem>> {
  const items = new Map<string, DemoItem>();
  for await (const page of paginateScan({ client: dynamo }, { TableName: table })) {
    for (const item of page.Items ?? []) items.set(keyOf(item), item);
  }
  return items;
}

async function readLive(dynamo: DynamoDBClient, s3: S3Client): Promise<LiveData> {
  const bodies: LiveData['bodies'] = new Map();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: names.visionLakeBucket })) {
    for (const { Key } of page.Contents ?? []) {
      if (Key === undefined) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: names.visionLakeBucket, Key }));
      bodies.set(Key, {
        body: Buffer.from((await object.Body?.transformToByteArray()) ?? []),
        metadata: object.Metadata ?? {},
        contentType: object.ContentType ?? '',
      });
    }
  }
  return {
    visionLake: await scanTable(dynamo, names.visionLakeTable),
    auth: await scanTable(dynamo, names.authTable),
    agents: await scanTable(dynamo, names.agentsTable),
    squadrons: await scanTable(dynamo, names.squadronsTable),
    bodies,
  };
}

/** The cross-component rules the demo data must keep; returns the broken ones. */
function problemsOf(live: LiveData): string[] {
  const problems: string[] = [];
  const agentIds = new Set([...live.agents.values()].map((a) => (a.pk?.S ?? '').replace('AGENT#', '')));
  for (const item of live.agents.values()) {
    for (const rel of item.relationships?.L ?? []) {
      if (!agentIds.has(rel.M?.agentId?.S ?? '')) problems.push(`${keyOf(item)} has a dangling relationship`);
    }
  }
  for (const squadron of live.squadrons.values()) {
    for (const member of squadron.members?.SS ?? []) {
      if (!agentIds.has(member)) problems.push(`${keyOf(squadron)} has missing member ${member}`);
    }
  }
  for (const item of live.visionLake.values()) {
    const stored = live.bodies.get(item.bodyKey?.S ?? '');
    if (!stored) {
      problems.push(`${keyOf(item)} has no body`);
      continue;
    }
    const digest = createHash('sha256').update(stored.body).digest('hex');
    if (digest !== item.digest?.S) problems.push(`${keyOf(item)} digest differs`);
    if (stored.metadata.version !== item.version?.N) problems.push(`${keyOf(item)} version differs from its body's`);
  }
  const indexed = new Set([...live.visionLake.values()].map((i) => i.bodyKey?.S));
  for (const key of live.bodies.keys()) if (!indexed.has(key)) problems.push(`${key} is not indexed`);
  return problems;
}

function changed(before: Map<string, unknown>, after: Map<string, unknown>): number {
  let count = 0;
  for (const [key, value] of after) if (JSON.stringify(before.get(key)) !== JSON.stringify(value)) count += 1;
  for (const key of before.keys()) if (!after.has(key)) count += 1;
  return count;
}

describe('demo loader against DynamoDB Local and s3rver', () => {
  let home: string;
  let services: RunningServices;
  let dynamo: DynamoDBClient;
  let s3: S3Client;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'wing-demo-'));
    services = await startLocalServices({ home });
    dynamo = localDynamoClient(services.endpoints.dynamodb);
    s3 = localS3Client(services.endpoints.s3);
  });

  afterAll(async () => {
    dynamo.destroy();
    s3.destroy();
    await services.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('creates the tables with pk/sk string keys, on demand, and does so idempotently', async () => {
    await createDemoTables(dynamo);
    await createDemoTables(dynamo);
    await createBucket(s3, names.visionLakeBucket);
    await createBucket(s3, names.visionLakeBucket);

    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: names.authTable }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('loads scale 0.01, then a day of activity changes about the percentage asked and keeps it valid', async () => {
    const counts = demoCounts(SCALE);
    const progress: string[] = [];
    const started = performance.now();

    const onProgress = (p: { component: string }) => progress.push(p.component);
    const loaded = await loadDemoData({ dynamo, s3, scale: SCALE, seed: SEED, onProgress });
    const loadSeconds = (performance.now() - started) / 1000;
    const before = await readLive(dynamo, s3);

    // Recorded for the report: how long a small demo load takes on this machine.
    console.info(`demo load at scale ${String(SCALE)}: ${loadSeconds.toFixed(2)} s, ${JSON.stringify(loaded)}`);
    expect(loaded['vision-lake']).toMatchObject({ items: counts.documents, objects: counts.documents });
    expect(loaded.auth.items).toBe(counts.users + counts.sessions + counts.revocations + counts.emergencyCredentials);
    expect(loaded.agents.items).toBe(counts.agents * agentItemKinds.length);
    expect(loaded.squadrons.items).toBe(counts.squadrons);
    expect(before.visionLake.size).toBe(counts.documents);
    expect(before.bodies.size).toBe(counts.documents);
    expect(before.auth.size).toBe(loaded.auth.items);
    expect(before.agents.size).toBe(loaded.agents.items);
    expect(before.squadrons.size).toBe(loaded.squadrons.items);
    expect(new Set(progress)).toEqual(new Set(['vision-lake', 'auth', 'agents', 'squadrons']));
    expect([...before.bodies.values()][0]?.contentType).toBe('text/markdown');
    // Typed values survive the round trip: sets, binary, NULL and decimals come back as written.
    const doc = [...before.visionLake.values()][0];
    expect(doc?.tags?.SS?.length).toBeGreaterThan(0);
    expect(doc?.embedding?.B?.byteLength).toBe(64);
    expect(problemsOf(before)).toEqual([]);

    const now = new Date(Date.UTC(2026, 0, 2));
    const changes = await mutateDemoData({ dynamo, s3, seed: SEED, day: 1, percent: 5, now });
    const after = await readLive(dynamo, s3);

    expect(problemsOf(after)).toEqual([]);
    expect(changes['vision-lake']).toMatchObject({ added: 1, deleted: 1 });
    expect(changed(before.bodies, after.bodies)).toBe(changes['vision-lake'].updated + 2);
    const tables = [
      ['vision-lake', before.visionLake, after.visionLake],
      ['auth', before.auth, after.auth],
      ['agents', before.agents, after.agents],
      ['squadrons', before.squadrons, after.squadrons],
    ] as const;
    for (const [component, was, is] of tables) {
      const share = changed(was, is) / was.size;
      expect(share, component).toBeGreaterThan(0);
      // About 5 %; a table of a few items still changes one of them.
      expect(share, component).toBeLessThanOrEqual(Math.max(0.1, 1.5 / was.size));
    }
  });
});
