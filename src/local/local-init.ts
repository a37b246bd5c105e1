/**
 * `init`: creates the local environment (system table, vault and audit buckets, master key) and the first
 * administrator; with `demo`, the four WING tables and the document bucket, deterministic demo
 * data and a backdated history of one verified recovery point a day for the past eight days, the
 * data changing a little each day and once more since the newest point, so that every rollback
 * command has something to act on. It is idempotent: what exists is kept.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enrolAdministrator } from '../core/admin-enrolment.js';
import { defaultResourceNames } from '../core/plan.js';
import type { RecoveryPointRecord } from '../core/catalog.js';
import { createBucket, createDemoTables, loadDemoData, mutateDemoData } from './demo/demo-loader.js';
import { DEFAULT_DEMO_SCALE, DEFAULT_DEMO_SEED } from './demo/demo-records.js';
import type { LocalRuntime } from './local-runtime.js';
import { writeFileAtomic } from './state-folder.js';

export interface InitOptions {
  readonly demo: boolean;
  readonly scale?: number;
  readonly seed?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly onStep?: (message: string) => void;
}

export interface BootstrapResult {
  readonly username: string;
  readonly created: boolean;
  /** Only when generated: shown once, never stored in clear. */
  readonly generatedPassword?: string;
  readonly generatedTotpSecret?: string;
}

export interface InitResult {
  readonly admin: BootstrapResult;
  readonly demo: { readonly loaded: boolean; readonly scale: number; readonly recoveryPoints: string[] } | null;
}

interface InitMarker {
  initializedAt: string;
  demo: { scale: number; seed: number; loadedAt: string } | null;
}

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 8;

export async function readInitMarker(home: string): Promise<InitMarker | undefined> {
  try {
    return JSON.parse(await readFile(join(home, 'initialized.json'), 'utf8')) as InitMarker;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Creates the first administrator unless one exists, from WING_ADMIN_* or generated. */
export async function bootstrapAdmin(runtime: LocalRuntime, env: NodeJS.ProcessEnv): Promise<BootstrapResult> {
  const existing = await runtime.admins.list();
  const first = existing[0];
  if (first) return { username: first.username, created: false };
  const enrolment = await enrolAdministrator({ username: env.WING_ADMIN_USERNAME ?? 'admin', level: 'admin', password: env.WING_ADMIN_PASSWORD, totpSecret: env.WING_ADMIN_TOTP_SECRET }, runtime.clock.now());
  await runtime.admins.put(enrolment.record);
  return {
    username: enrolment.record.username,
    created: true,
    ...(enrolment.generatedPassword !== undefined ? { generatedPassword: enrolment.generatedPassword } : {}),
    ...(enrolment.generatedTotpSecret !== undefined ? { generatedTotpSecret: enrolment.generatedTotpSecret } : {}),
  };
}

export async function initLocal(runtime: LocalRuntime, options: InitOptions): Promise<InitResult> {
  const step = options.onStep ?? (() => undefined);
  const env = options.env ?? process.env;
  step('creating the system table, the vault bucket and the audit bucket');
  await runtime.systemTable.ensure();
  await createBucket(runtime.s3, runtime.plan.vaultBucket);
  await createBucket(runtime.s3, runtime.plan.auditBucket);
  const admin = await bootstrapAdmin(runtime, env);
  const marker = (await readInitMarker(runtime.home)) ?? { initializedAt: runtime.clock.now().toISOString(), demo: null };
  let demo: InitResult['demo'] = null;
  if (options.demo) {
    const scale = options.scale ?? DEFAULT_DEMO_SCALE;
    const seed = options.seed ?? DEFAULT_DEMO_SEED;
    if (marker.demo) {
      demo = { loaded: false, scale: marker.demo.scale, recoveryPoints: [] };
    } else {
      demo = { loaded: true, scale, recoveryPoints: await loadDemo(runtime, scale, seed, step) };
      marker.demo = { scale, seed, loadedAt: runtime.clock.now().toISOString() };
    }
  }
  await writeFileAtomic(join(runtime.home, 'initialized.json'), JSON.stringify(marker, null, 2));
  return { admin, demo };
}

async function loadDemo(runtime: LocalRuntime, scale: number, seed: number, step: (m: string) => void): Promise<string[]> {
  const { dynamo, s3, clock } = runtime;
  const now = clock.now();
  step('creating the WING tables and the document bucket');
  await createDemoTables(dynamo);
  await createBucket(s3, defaultResourceNames.visionLakeBucket);
  const start = new Date(now.getTime() - (HISTORY_DAYS + 1) * DAY_MS);
  step(`loading demo data (scale ${scale})`);
  await loadDemoData({ dynamo, s3, scale, seed, now: start });
  const points: RecoveryPointRecord[] = [];
  for (let day = HISTORY_DAYS; day >= 1; day--) {
    const at = new Date(now.getTime() - day * DAY_MS);
    step(`demo history: day -${day}`);
    await mutateDemoData({ dynamo, s3, seed, day: HISTORY_DAYS - day + 1, now: at });
    points.push(await runtime.backups.createRecoveryPoint({ at, labels: { demo: 'true' } }));
  }
  // Today's activity since the newest point, so that a rollback has something to undo.
  await mutateDemoData({ dynamo, s3, seed, day: HISTORY_DAYS + 1, now });
  return points.map((p) => p.recoveryPointId);
}
