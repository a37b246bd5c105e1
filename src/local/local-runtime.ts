/**
 * The local runtime: the same system as on AWS, wired to the local services. It owns (or borrows
 * from a live owner) DynamoDB Local and s3rver, and builds every port over them: the system
 * table, catalog, lock, administrators, vault, key service and component sources.
 */
import { stat } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DynamoAdminStore } from '../adapters/dynamodb-admin-store.js';
import { localDynamoClient, localS3Client } from '../adapters/local-clients.js';
import { LocalKeyService } from '../adapters/local-key-service.js';
import { OutboxNotifier, OutboxPublisher } from '../adapters/outbox-publisher.js';
import { S3ObjectStore } from '../adapters/s3-object-store.js';
import type { DynamoCatalog } from '../adapters/dynamodb-catalog.js';
import type { DynamoRollbackLock } from '../adapters/dynamodb-rollback-lock.js';
import type { SystemTable } from '../adapters/system-table.js';
import { WingError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { systemClock, type Clock } from '../core/ports.js';
import type { BackupManager } from '../rollback/backup-manager.js';
import { rollbackServices, type RollbackServices } from '../rollback/rollback-services.js';
import { FileRollbackLog } from '../adapters/file-rollback-log.js';
import { loadLocalPlan } from './local-plan.js';
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
  /** Owner: asked on the first Ctrl-C (see AcquireOptions.confirmStop). */
  readonly confirmStop?: () => Promise<string | undefined>;
  /** Say nothing on stderr while acquiring and releasing the services. */
  readonly quiet?: boolean;
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
  /** The rollback services over these clients (steps, journal, modes, health, log). */
  readonly services: RollbackServices;
  close(): Promise<void>;
}

/** The plan file (local-plan.ts), also exported here, with the runtime that is built over it. */
export { loadLocalPlan };

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
  return paths.masterKey;
}

export async function openLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const home = resolveWingHome(options.home);
  // Refuses a folder or key that others can open before any service starts.
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
    session = await acquireLocalServices({ home, kind: options.kind ?? 'temporary', ...(options.confirmStop ? { confirmStop: options.confirmStop } : {}), ...(options.quiet ? { quiet: true } : {}) });
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
  const vaultStore = new S3ObjectStore(s3, plan.vaultBucket);
  // The same wiring as the Lambdas: one BackupManager, catalog, lock and rollback steps.
  const services = rollbackServices({
    plan,
    dynamo,
    s3,
    vaultStore,
    keys,
    events: new OutboxPublisher(paths.notifications),
    notifier: new OutboxNotifier(paths.notifications),
    log: new FileRollbackLog(paths.logs),
    clock,
    isOwnerAlive: (owner) => isProcessAlive(owner.pid),
    // s3rver has no Object Lock.
    auditObjectLock: false,
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
    systemTable: services.systemTable,
    catalog: services.catalog,
    lock: services.lock,
    admins: services.admins,
    vaultStore,
    keys,
    backups: services.backups,
    services,
    async close() {
      dynamo.destroy();
      s3.destroy();
      await session.release();
    },
  };
}
