/**
 * The local runtime: the same system as on AWS, wired to the local services. It owns (or borrows
 * from a live owner) DynamoDB Local and s3rver, and builds every port over them: the system
 * table, catalog, lock, administrators, vault, key service and component sources.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { AwsComponentSources } from '../adapters/component-sources.js';
import { DynamoAdminStore } from '../adapters/dynamodb-admin-store.js';
import { DynamoCatalog } from '../adapters/dynamodb-catalog.js';
import { DynamoRollbackLock } from '../adapters/dynamodb-rollback-lock.js';
import { DynamoSystemModeStore } from '../adapters/dynamodb-system-mode.js';
import { localDynamoClient, localS3Client } from '../adapters/local-clients.js';
import { LocalKeyService } from '../adapters/local-key-service.js';
import { OutboxPublisher } from '../adapters/outbox-publisher.js';
import { S3ObjectStore } from '../adapters/s3-object-store.js';
import { SystemTable } from '../adapters/system-table.js';
import { ZstdCompressor } from '../adapters/zstd-compressor.js';
import { WingError } from '../core/errors.js';
import { defaultPlan, parsePlan, type Plan } from '../core/plan.js';
import { systemClock, type Clock } from '../core/ports.js';
import { BackupManager } from '../rollback/backup-manager.js';
import type { LocalEndpoints } from './local-services.js';
import { acquireLocalServices, isProcessAlive, type OwnerKind, type ServiceSession } from './run-owner.js';
import { ensureStateFolder, resolveWingHome, type StatePaths } from './state-folder.js';

export interface LocalRuntimeOptions {
  readonly home?: string;
  readonly kind?: OwnerKind;
  /** Use these running services instead of acquiring them (tests that start their own). */
  readonly endpoints?: LocalEndpoints;
  readonly clock?: Clock;
  readonly plan?: Plan;
  /** Create the master key if it does not exist (init only). */
  readonly createKey?: boolean;
}

export interface LocalRuntime {
  readonly home: string;
  readonly paths: StatePaths;
  readonly endpoints: LocalEndpoints;
  readonly isOwner: boolean;
  readonly plan: Plan;
  readonly clock: Clock;
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  readonly systemTable: SystemTable;
  readonly catalog: DynamoCatalog;
  readonly lock: DynamoRollbackLock;
  readonly admins: DynamoAdminStore;
  readonly vaultStore: S3ObjectStore;
  readonly keys: LocalKeyService;
  readonly backups: BackupManager;
  close(): Promise<void>;
}

/** The plan: `<home>/plan.json` when an operator wrote one, else the default four components. */
export async function loadLocalPlan(home: string): Promise<Plan> {
  try {
    return parsePlan(JSON.parse(await readFile(join(home, 'plan.json'), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultPlan();
    throw err;
  }
}

async function bucketHoldsObjects(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchBucket') return false;
    throw err;
  }
}

export function masterKeyPath(paths: StatePaths): string {
  return join(paths.keys, 'master.key');
}

export async function openLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const home = resolveWingHome(options.home);
  const paths = await ensureStateFolder(home);
  const plan = options.plan ?? (await loadLocalPlan(home));
  const keyExists = await stat(masterKeyPath(paths)).then(
    () => true,
    () => false,
  );
  if (!keyExists && !options.createKey) await LocalKeyService.fromFile(masterKeyPath(paths), { create: false });
  let session: ServiceSession;
  if (options.endpoints) {
    const endpoints = options.endpoints;
    session = { endpoints, isOwner: false, release: () => Promise.resolve() };
  } else {
    session = await acquireLocalServices({ home, kind: options.kind ?? 'temporary' });
  }
  const clock = options.clock ?? systemClock;
  const dynamo = localDynamoClient(session.endpoints.dynamodb);
  const s3 = localS3Client(session.endpoints.s3);
  if (!keyExists && (await bucketHoldsObjects(s3, plan.vaultBucket))) {
    dynamo.destroy();
    s3.destroy();
    await session.release();
    throw new WingError(`the vault ${plan.vaultBucket} holds backups but ${masterKeyPath(paths)} is missing: put the master key back from your safekeeping copy instead of creating a new one`);
  }
  const keys = await LocalKeyService.fromFile(masterKeyPath(paths), { create: options.createKey ?? false });
  const systemTable = new SystemTable(dynamo, plan.systemTable);
  const catalog = new DynamoCatalog(systemTable);
  const lock = new DynamoRollbackLock(systemTable, clock);
  const vaultStore = new S3ObjectStore(s3, plan.vaultBucket);
  const backups = new BackupManager({
    plan,
    catalog,
    vault: { store: vaultStore, keys, compressor: new ZstdCompressor(plan.compressionLevel) },
    sources: new AwsComponentSources(dynamo, s3),
    lock,
    clock,
    isOwnerAlive: (owner) => isProcessAlive(owner.pid),
    events: new OutboxPublisher(paths.notifications),
    modes: new DynamoSystemModeStore(systemTable),
  });
  return {
    home,
    paths,
    endpoints: session.endpoints,
    isOwner: session.isOwner,
    plan,
    clock,
    dynamo,
    s3,
    systemTable,
    catalog,
    lock,
    admins: new DynamoAdminStore(systemTable),
    vaultStore,
    keys,
    backups,
    async close() {
      dynamo.destroy();
      s3.destroy();
      await session.release();
    },
  };
}
