/**
 * Test support: real local services (DynamoDB Local, s3rver) on a temporary state folder, and a
 * runtime over them, initialised with a small demo data set.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { encodeItem } from '../../src/core/canonical-item.js';
import { ManualClock, systemClock, type Clock } from '../../src/core/ports.js';
import { defaultPlanInput, parsePlan, type Plan } from '../../src/core/plan.js';
import { initLocal, type InitResult } from '../../src/local/local-init.js';
import { openLocalRuntime, type LocalRuntime } from '../../src/local/local-runtime.js';
import { startLocalServices, type RunningServices } from '../../src/local/local-services.js';
import { copyStateFolder, readJson, sharedTemplate, templateRoot } from './state-templates.js';

export const TEST_ADMIN = {
  WING_ADMIN_USERNAME: 'admin',
  WING_ADMIN_PASSWORD: 'correct horse battery staple',
  WING_ADMIN_TOTP_SECRET: 'JBSWY3DPEHPK3PXPJBSWY3DP',
};

export interface LocalTestEnv {
  readonly home: string;
  readonly services: RunningServices;
  readonly runtime: LocalRuntime;
  readonly init: InitResult;
  dispose(): Promise<void>;
}

export interface LocalTestEnvOptions {
  readonly demo?: boolean;
  readonly scale?: number;
  readonly clock?: Clock;
  readonly plan?: Plan;
}

/**
 * Real local services on a fresh state folder and a runtime over them, after `initLocal` (demo
 * data and eight backdated recovery points by default). `plan`: the default plan with room for
 * many rollbacks an hour (a test file runs more than the default 3), unless the test gives its
 * own.
 *
 * With demo data, the initialised state is a copy of a template built once per `vitest run` for
 * the same scale, plan and clock (see state-templates.ts and {@link clockKey}), and `init` is what
 * `initLocal` returned for the template: for a fixed manual clock the template is built at that
 * very instant (its records are stamped exactly as the test's own `initLocal` would stamp them);
 * for the system clock, or a manual clock set to the time the test started, its records are
 * minutes older at most than the test's own `initLocal` would have made them (a backdated
 * history of days, "today's" activity before the test's "now" either way). Without demo data
 * (`init` alone takes a second), or with another kind of clock, the test runs `initLocal` itself.
 */
export async function startLocalTestEnv(options: LocalTestEnvOptions = {}): Promise<LocalTestEnv> {
  const demo = options.demo ?? true;
  const scale = options.scale ?? 0.01;
  const plan = options.plan ?? parsePlan({ ...defaultPlanInput(), security: { rollbackStartsPerHour: 100 } });
  const home = await mkdtemp(join(tmpdir(), 'wing-test-'));
  const template = await initialisedTemplate({ demo, scale, plan, clock: options.clock });
  if (template) await copyStateFolder(join(template.folder, 'home'), home);
  const services = await startLocalServices({ home });
  let runtime: LocalRuntime | undefined;
  let init: InitResult;
  try {
    // With a template, createKey finds the template's master key and keeps it.
    runtime = await openLocalRuntime({ home, plan, endpoints: services.endpoints, createKey: true, ...(options.clock ? { clock: options.clock } : {}) });
    init = template ? template.init : await initLocal(runtime, { demo, scale, env: TEST_ADMIN });
  } catch (err) {
    await runtime?.close();
    await services.stop();
    await rm(home, { recursive: true, force: true });
    throw err;
  }
  const opened = runtime;
  return {
    home,
    services,
    runtime: opened,
    init,
    async dispose() {
      await opened.close();
      await services.stop();
      // A rollback's last log line may still be landing as the test ends.
      await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** What a template holds besides its state folder (`<template>/init.json`). */
interface TemplateMeta {
  readonly init: InitResult;
  /** The template runtime's clock before and after `initLocal`. */
  readonly clockBefore: string;
  readonly clockAfter: string;
  /** Wall-clock time when `initLocal` finished: no record of the template is stamped later. */
  readonly finishedAt: string;
}

/**
 * How the test's clock relates to a template: 'now' for the system clock and for a manual clock
 * the test set to the time it started (`new ManualClock(new Date())`); the fixed instant of any
 * other manual clock (the template is built at exactly that instant, so its records are
 * identical to the test's own `initLocal`); undefined for another kind of clock (no template).
 */
function clockKey(clock: Clock | undefined): string | undefined {
  if (clock === undefined || clock === systemClock) return 'now';
  if (!(clock instanceof ManualClock)) return undefined;
  const at = clock.now();
  return Math.abs(at.getTime() - Date.now()) < 5_000 ? 'now' : at.toISOString();
}

/**
 * The template for this initialised state, built on first use in this run; undefined when the
 * test must run `initLocal` itself (no template folder in this run, no demo data: `init` alone is
 * quick, or a clock a template cannot match).
 */
async function initialisedTemplate(options: { demo: boolean; scale: number; plan: Plan; clock: Clock | undefined }): Promise<{ folder: string; init: InitResult } | undefined> {
  const root = templateRoot();
  const at = clockKey(options.clock);
  if (root === undefined || !options.demo || at === undefined) return undefined;
  const key = JSON.stringify({ kind: 'local-env', demo: options.demo, scale: options.scale, plan: options.plan, clock: at });
  const folder = await sharedTemplate(root, key, async (dir) => {
    const home = join(dir, 'home');
    await mkdir(home, { mode: 0o700 });
    const clock = at === 'now' ? systemClock : new ManualClock(new Date(at));
    const clockBefore = clock.now().toISOString();
    const services = await startLocalServices({ home });
    let meta: TemplateMeta;
    try {
      const runtime = await openLocalRuntime({ home, plan: options.plan, endpoints: services.endpoints, createKey: true, clock });
      try {
        const init = await initLocal(runtime, { demo: options.demo, scale: options.scale, env: TEST_ADMIN });
        meta = { init, clockBefore, clockAfter: clock.now().toISOString(), finishedAt: new Date().toISOString() };
      } finally {
        await runtime.close();
      }
    } finally {
      // Stopped before anyone copies it: DynamoDB Local's database file is then complete.
      await services.stop();
    }
    await writeFile(join(dir, 'init.json'), JSON.stringify(meta, null, 2));
  });
  const meta = (await readJson(join(folder, 'init.json'))) as TemplateMeta;
  if (options.clock instanceof ManualClock) {
    if (at === 'now') {
      // The test's own initLocal would have stamped everything at or before its clock's time. A
      // template finished after the test made its clock (built meanwhile, by this file or
      // another) holds later records: the clock moves on to when it finished, a time that has
      // passed too (the test's "now" is a little later, as if it had started then).
      const finishedAt = new Date(meta.finishedAt);
      if (finishedAt.getTime() > options.clock.now().getTime()) options.clock.set(finishedAt);
    } else if (meta.clockAfter !== meta.clockBefore) {
      // initLocal moved its manual clock: it would have moved the test's the same way.
      options.clock.set(new Date(meta.clockAfter));
    }
  }
  return { folder, init: meta.init };
}

/** A table's items as "pk|sk" -> canonical bytes, for comparing states exactly. */
export async function tableState(env: LocalTestEnv, table: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await env.runtime.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) out.set(`${item.pk?.S ?? ''}|${item.sk?.S ?? ''}`, encodeItem(item).toString('utf8'));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
