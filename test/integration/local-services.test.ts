import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { localDynamoClient, localS3Client } from '../../src/adapters/local-clients.js';
import { startLocalServices, type LocalEndpoints } from '../../src/local/local-services.js';
import {
  acquireLocalServices,
  processStartTime,
  readLiveOwner,
  type RunLock,
  type ServiceSession,
} from '../../src/local/run-owner.js';
import { ensureStateFolder, statePaths } from '../../src/local/state-folder.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const homes: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function newHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'wing-local-'));
  homes.push(home);
  return home;
}

/** Acquires and registers the session for release even when the test fails. */
async function acquire(home: string, kind: 'long-lived' | 'temporary' = 'temporary'): Promise<ServiceSession> {
  const session = await acquireLocalServices({ home, kind });
  cleanups.push(() => session.release());
  return session;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(isAlive);
}

async function readLock(home: string): Promise<RunLock> {
  return JSON.parse(await readFile(statePaths(home).runLock, 'utf8')) as RunLock;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

async function putAndListObjects(endpoint: string, bucket: string): Promise<string[]> {
  const s3 = localS3Client(endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (let i = 1; i <= 5; i += 1) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `obj-${i}`, Body: `body ${i}` }));
    }
    return await listKeys(endpoint, bucket);
  } finally {
    s3.destroy();
  }
}

async function listKeys(endpoint: string, bucket: string): Promise<string[]> {
  const s3 = localS3Client(endpoint);
  const keys: string[] = [];
  let pages = 0;
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, MaxKeys: 2 })) {
      pages += 1;
      for (const item of page.Contents ?? []) keys.push(item.Key ?? '');
    }
  } finally {
    s3.destroy();
  }
  expect(pages).toBe(3);
  return keys;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

describe('local services', () => {
  it('start, serve a table and paginated objects, and keep the data across a restart', async () => {
    const home = await newHome();
    const first = await startLocalServices({ home });
    cleanups.push(() => first.stop());
    const dynamo = localDynamoClient(first.endpoints.dynamodb);
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'items',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 'a' }, v: { N: '1' } } }));
    dynamo.destroy();
    expect(await putAndListObjects(first.endpoints.s3, 'bucket-one')).toEqual(['obj-1', 'obj-2', 'obj-3', 'obj-4', 'obj-5']);

    await first.stop();
    expect(await waitUntilGone([first.pids.dynamodb, first.pids.s3], 2000)).toEqual([]);

    const second = await startLocalServices({ home });
    cleanups.push(() => second.stop());
    const again = localDynamoClient(second.endpoints.dynamodb);
    const item = await again.send(new GetItemCommand({ TableName: 'items', Key: { id: { S: 'a' } } }));
    again.destroy();
    expect(item.Item?.v).toEqual({ N: '1' });
    expect(await listKeys(second.endpoints.s3, 'bucket-one')).toHaveLength(5);
  });

  it('give a second acquirer the live owner’s endpoints, and only one of two racing acquirers owns', async () => {
    const home = await newHome();
    const [a, b] = await Promise.all([acquire(home), acquire(home)]);
    expect([a.isOwner, b.isOwner].sort()).toEqual([false, true]);
    expect(a.endpoints).toEqual(b.endpoints);

    const third = await acquire(home);
    expect(third.isOwner).toBe(false);
    expect(third.endpoints).toEqual(a.endpoints);
    const owner = await readLiveOwner(home);
    expect(owner?.lock.pid).toBe(process.pid);
    expect(owner?.endpoints).toEqual(a.endpoints);

    await (a.isOwner ? b : a).release();
    expect(await readLiveOwner(home)).toBeDefined();
    await (a.isOwner ? a : b).release();
    expect(await readLiveOwner(home)).toBeUndefined();
    await expect(stat(statePaths(home).runLock)).rejects.toThrow();
    await expect(stat(statePaths(home).endpoints)).rejects.toThrow();
  });

  it('keep the services up, when a temporary owner finishes, until the commands still using them are done', async () => {
    const home = await newHome();
    const owner = await acquire(home);
    expect(owner.isOwner).toBe(true);
    // Another command using these services: a live process registered as a user.
    const user = spawn('sleep', ['2']);
    await mkdir(join(home, 'users'), { recursive: true });
    await writeFile(join(home, 'users', `${String(user.pid)}.json`), JSON.stringify({ pid: user.pid, startTime: null }));
    const started = Date.now();

    const released = owner.release();
    await new Promise((r) => setTimeout(r, 500));
    // While it waits, no new command can find the endpoints, but the services still answer.
    await expect(stat(statePaths(home).endpoints)).rejects.toThrow();
    const dynamo = localDynamoClient(owner.endpoints.dynamodb);
    await expect(dynamo.send(new ListTablesCommand({}))).resolves.toBeDefined();
    dynamo.destroy();
    await released;

    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await readLiveOwner(home)).toBeUndefined();
  });

  it('take over a run.lock whose process is dead', async () => {
    const home = await newHome();
    const paths = statePaths(home);
    const pid = await deadPid();
    const stale: RunLock = { pid, startTime: '1', startedAt: new Date(0).toISOString(), kind: 'temporary', servicePids: { dynamodb: pid, s3: pid } };
    const staleEndpoints: LocalEndpoints = { dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2' };
    await ensureStateFolder(home);
    await writeFile(paths.runLock, JSON.stringify(stale), { mode: 0o600 });
    await writeFile(paths.endpoints, JSON.stringify(staleEndpoints), { mode: 0o600 });
    expect(await readLiveOwner(home)).toBeUndefined();

    const session = await acquire(home);
    expect(session.isOwner).toBe(true);
    expect(session.endpoints.dynamodb).not.toBe(staleEndpoints.dynamodb);
    expect((await readLock(home)).pid).toBe(process.pid);
  });

  it('treat a run.lock whose pid now belongs to another process as stale', async () => {
    const home = await newHome();
    const paths = statePaths(home);
    const endpoints: LocalEndpoints = { dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2' };
    await writeFile(paths.endpoints, JSON.stringify(endpoints));
    const lock: RunLock = { pid: process.pid, startTime: processStartTime(process.pid), startedAt: new Date().toISOString(), kind: 'temporary' };
    await writeFile(paths.runLock, JSON.stringify(lock));
    expect((await readLiveOwner(home))?.endpoints).toEqual(endpoints);
    await writeFile(paths.runLock, JSON.stringify({ ...lock, startTime: '0' }));
    expect(await readLiveOwner(home)).toBeUndefined();
  });

  it('leave no Java or s3rver process behind when the owner is SIGKILLed, and let the next acquirer take over', async () => {
    const home = await newHome();
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-services.ts', home], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(holder, 'exit');
    cleanups.push(async () => {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      await exited;
    });
    const [line] = (await once(holder.stdout, 'data')) as [Buffer];
    const printed = JSON.parse(line.toString('utf8')) as { isOwner: boolean; endpoints: LocalEndpoints };
    expect(printed.isOwner).toBe(true);
    const lock = await readLock(home);
    expect(lock.pid).toBe(holder.pid);
    const servicePids = [lock.servicePids?.dynamodb ?? 0, lock.servicePids?.s3 ?? 0];
    expect(servicePids.every(isAlive)).toBe(true);

    holder.kill('SIGKILL');
    await exited;
    expect(await waitUntilGone(servicePids, 5000)).toEqual([]);

    const next = await acquire(home);
    expect(next.isOwner).toBe(true);
    expect((await readLock(home)).pid).toBe(process.pid);
  });

  it('keep the state folder 0700 and run.lock and endpoints.json 0600', async () => {
    const home = await newHome();
    const paths = statePaths(home);
    await acquire(home, 'long-lived');
    const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
    for (const folder of [paths.home, paths.dynamodbData, paths.s3Data, paths.logs, paths.keys]) {
      expect(await modeOf(folder), folder).toBe(0o700);
    }
    expect(await modeOf(paths.runLock)).toBe(0o600);
    expect(await modeOf(paths.endpoints)).toBe(0o600);
    expect((await readLock(home)).kind).toBe('long-lived');
  });
});
