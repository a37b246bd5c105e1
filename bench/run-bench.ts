/**
 * `npm run bench`: throughput, bytes stored, peak memory, incremental cost and differential vs full
 * restore, measured on this machine.
 *
 * Part 1, the engine (filesystem object store, through bench/anchor-adapter, one process per
 * step as a user would run it), side by side with restic on the same files in the same run when
 * restic is installed: full backup, 1 % scattered change, incremental backup, restore (checked
 * byte for byte), check. At each scale in `--scales` (default "1 4"; 1 ≈ 100 MB).
 * Part 2, the local services (DynamoDB Local and s3rver): a recovery point of the demo data at
 * `--local-scale` (default 1), a 1 % day of activity, a differential restore, another day, a full
 * restore; restore and verification times reported separately.
 *
 *   npm run bench -- [--scales "1 4"] [--local-scale 1] [--skip-local] [--skip-restic]
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutateDataset, writeDataset } from './bench-dataset.js';
import { rollbackBench, type RollbackBench } from './rollback-bench.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const adapter = join(root, 'bench', 'anchor-adapter');

interface Measured {
  wallS: number;
  peakRssMb: number;
}

/** Runs a command, returning wall time and peak RSS (from /usr/bin/time, or /proc polling). */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const useTime = existsSync('/usr/bin/time');
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = useTime
      ? spawn('/usr/bin/time', ['-f', '__RSS__%M', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let polledKb = 0;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          readFile(`/proc/${child.pid ?? 0}/status`, 'utf8')
            .then((s) => {
              const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
              polledKb = Math.max(polledKb, kb);
            })
            .catch(() => undefined);
        }, 20);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${String(code)}: ${stderr.slice(-500)}`));
        return;
      }
      const kb = useTime ? Number(/__RSS__(\d+)/.exec(stderr)?.[1] ?? 0) : polledKb;
      resolvePromise({ wallS, peakRssMb: kb / 1024 });
    });
  });
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function treeDigest(dir: string): Promise<string> {
  const h = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.jsonl'));
  for (const f of files.map((e) => e.name).sort()) {
    const found = files.find((e) => e.name === f);
    if (found) h.update(f).update(await readFile(join(found.parentPath, f)));
  }
  return h.digest('hex');
}

interface SystemRun {
  system: string;
  scale: number;
  rawMb: number;
  full: Measured & { mbPerS: number; repoMb: number };
  incremental: Measured & { addedMb: number; addedOfFullPct: number };
  restore: Measured & { mbPerS: number; identical: boolean };
  check: Measured;
}

type Driver = { init(repo: string): Promise<void>; backup(repo: string, src: string): Promise<Measured>; restore(repo: string, to: string): Promise<Measured>; check(repo: string): Promise<Measured> };

function ours(cache: string): Driver {
  const env = { ...process.env, BENCH_CACHE_DIR: cache };
  return {
    init: async (repo) => {
      await measure(adapter, ['init', repo], env);
    },
    backup: (repo, src) => measure(adapter, ['backup', repo, src], env),
    restore: (repo, to) => measure(adapter, ['restore', repo, to], env),
    check: (repo) => measure(adapter, ['check', repo], env),
  };
}

function restic(cache: string): Driver {
  const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: cache };
  return {
    init: async (repo) => {
      await measure('restic', ['-r', repo, 'init', '--repository-version', '2'], env);
    },
    backup: (repo, src) => measure('restic', ['-r', repo, 'backup', '--host', 'bench', src], env),
    restore: (repo, to) => measure('restic', ['-r', repo, 'restore', 'latest', '--target', to], env),
    check: (repo) => measure('restic', ['-r', repo, 'check', '--read-data'], env),
  };
}

async function runSystem(system: string, driver: Driver, work: string, base: string, scale: number, rawBytes: number): Promise<SystemRun> {
  const data = join(work, `data-${system}`);
  execFileSync('cp', ['-r', base, data]);
  const repo = join(work, `repo-${system}`);
  await driver.init(repo);
  const full = await driver.backup(repo, data);
  const repoAfterFull = await dirBytes(repo);
  await mutateDataset(data, 1, 7);
  const incremental = await driver.backup(repo, data);
  const repoAfterIncr = await dirBytes(repo);
  const target = join(work, `restore-${system}`);
  await mkdir(target, { recursive: true });
  const restoreRun = await driver.restore(repo, target);
  const identical = (await treeDigest(target)) === (await treeDigest(data));
  const check = await driver.check(repo);
  await rm(target, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
  await rm(repo, { recursive: true, force: true });
  const rawMb = rawBytes / 1e6;
  return {
    system,
    scale,
    rawMb,
    full: { ...full, mbPerS: rawMb / full.wallS, repoMb: repoAfterFull / 1e6 },
    incremental: { ...incremental, addedMb: (repoAfterIncr - repoAfterFull) / 1e6, addedOfFullPct: (100 * (repoAfterIncr - repoAfterFull)) / repoAfterFull },
    restore: { ...restoreRun, mbPerS: rawMb / restoreRun.wallS, identical },
    check,
  };
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function engineBench(scales: number[], withRestic: boolean): Promise<SystemRun[]> {
  const runs: SystemRun[] = [];
  for (const scale of scales) {
    const work = await mkdtemp(join(tmpdir(), `wing-bench-s${scale}-`));
    const base = join(work, 'base');
    process.stderr.write(`scale ${scale}: generating data\n`);
    const raw = await writeDataset(base, scale);
    const systems: [string, Driver][] = [['wing-rollback', ours(join(work, 'cache-ours'))]];
    if (withRestic) systems.push(['restic', restic(join(work, 'cache-restic'))]);
    for (const [name, driver] of systems) {
      process.stderr.write(`scale ${scale}: ${name}\n`);
      runs.push(await runSystem(name, driver, work, base, scale, raw));
    }
    await rm(work, { recursive: true, force: true });
  }
  return runs;
}

interface LocalRun {
  scale: number;
  items: number;
  changedItems: number;
  differential: { restoreS: number; verifyS: number; writtenAndDeleted: number };
  full: { restoreS: number; verifyS: number; written: number };
  rollback: RollbackBench;
}

const BENCH_ADMIN = { username: 'bench', password: 'bench password long', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP' };

async function localBench(scale: number): Promise<LocalRun> {
  const { startLocalServices } = await import('../src/local/local-services.js');
  const { openLocalRuntime } = await import('../src/local/local-runtime.js');
  const { initLocal } = await import('../src/local/local-init.js');
  const { createBucket, createDemoTables, loadDemoData, mutateDemoData } = await import('../src/local/demo/demo-loader.js');
  const { defaultResourceNames } = await import('../src/core/plan.js');
  const home = await mkdtemp(join(tmpdir(), 'wing-bench-local-'));
  const services = await startLocalServices({ home });
  const runtime = await openLocalRuntime({ home, endpoints: services.endpoints, createKey: true });
  try {
    await initLocal(runtime, { demo: false, env: { WING_ADMIN_USERNAME: BENCH_ADMIN.username, WING_ADMIN_PASSWORD: BENCH_ADMIN.password, WING_ADMIN_TOTP_SECRET: BENCH_ADMIN.totpSecret } });
    await createDemoTables(runtime.dynamo);
    await createBucket(runtime.s3, defaultResourceNames.visionLakeBucket);
    process.stderr.write(`local services: loading scale ${scale}\n`);
    await loadDemoData({ dynamo: runtime.dynamo, s3: runtime.s3, scale, seed: 1 });
    process.stderr.write('local services: recovery point\n');
    const point = await runtime.backups.createRecoveryPoint();
    const items = point.snapshots.reduce((n, s) => n + s.items, 0);
    const day = async (n: number): Promise<number> => {
      const changes = await mutateDemoData({ dynamo: runtime.dynamo, s3: runtime.s3, seed: 1, day: n, now: new Date() });
      // A changed document is an index item and a body.
      return Object.entries(changes).reduce((t, [c, v]) => t + (v.updated + v.added + v.deleted) * (c === 'vision-lake' ? 2 : 1), 0);
    };
    const changedItems = await day(1);
    process.stderr.write('local services: differential restore\n');
    const diff = await runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'differential' });
    await day(2);
    process.stderr.write('local services: full restore\n');
    const full = await runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'full' });
    if (!diff.every((r) => r.verified) || !full.every((r) => r.verified)) throw new Error('a benchmark restore did not verify');
    process.stderr.write('local services: emergency rollback (24 h, 1 % change)\n');
    // A point taken 25 hours "ago" (backdated), then a day of activity: what a 24-hour rollback undoes.
    await runtime.backups.createRecoveryPoint({ at: new Date(Date.now() - 25 * 3_600_000) });
    await day(3);
    const rollback = await rollbackBench(runtime, BENCH_ADMIN);
    if (rollback.phase !== 'Completed') throw new Error(`the benchmark rollback ended ${rollback.phase}`);
    return {
      rollback,
      scale,
      items,
      changedItems,
      differential: {
        restoreS: diff.reduce((t, r) => t + r.restoreMs, 0) / 1000,
        verifyS: diff.reduce((t, r) => t + r.verifyMs, 0) / 1000,
        writtenAndDeleted: diff.reduce((t, r) => t + r.written + r.deleted, 0),
      },
      full: {
        restoreS: full.reduce((t, r) => t + r.restoreMs, 0) / 1000,
        verifyS: full.reduce((t, r) => t + r.verifyMs, 0) / 1000,
        written: full.reduce((t, r) => t + r.written, 0),
      },
    };
  } finally {
    await runtime.close();
    await services.stop();
    await rm(home, { recursive: true, force: true });
  }
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scales = (option(args, '--scales') ?? '1 4').split(/[ ,]+/).filter(Boolean).map(Number);
  const withRestic = !args.includes('--skip-restic') && (() => {
    try {
      execFileSync('restic', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      process.stderr.write('restic not found (apt-get install restic): measuring wing-rollback alone\n');
      return false;
    }
  })();
  const runs = await engineBench(scales, withRestic);
  const lines = ['## Engine on the filesystem store (one process per step)', '', '| scale | system | raw MB | full MB/s | full RSS MB | repo MB | incr added MB | incr % of full | restore MB/s | restore RSS MB | identical | check s |', '|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of runs) {
    lines.push(`| ${r.scale} | ${r.system} | ${fmt(r.rawMb, 1)} | ${fmt(r.full.mbPerS, 1)} | ${fmt(r.full.peakRssMb, 0)} | ${fmt(r.full.repoMb, 1)} | ${fmt(r.incremental.addedMb, 3)} | ${fmt(r.incremental.addedOfFullPct, 2)} | ${fmt(r.restore.mbPerS, 1)} | ${fmt(r.restore.peakRssMb, 0)} | ${r.restore.identical ? 'yes' : 'NO'} | ${fmt(r.check.wallS, 2)} |`);
  }
  for (const scale of scales) {
    const a = runs.find((r) => r.scale === scale && r.system === 'wing-rollback');
    const b = runs.find((r) => r.scale === scale && r.system === 'restic');
    if (a && b) {
      lines.push('', `scale ${scale} vs restic: full backup ${fmt(a.full.mbPerS / b.full.mbPerS)}x, incremental bytes 1/${fmt(b.incremental.addedMb / a.incremental.addedMb, 0)}, restore ${fmt(a.restore.mbPerS / b.restore.mbPerS)}x`);
    }
  }
  const ourRuns = runs.filter((r) => r.system === 'wing-rollback');
  const first = ourRuns[0];
  const last = ourRuns.at(-1);
  if (first && last && last.scale > first.scale) {
    lines.push('', `peak RSS from scale ${first.scale} to ${last.scale}: backup ${fmt(first.full.peakRssMb, 0)} -> ${fmt(last.full.peakRssMb, 0)} MB (${fmt((100 * (last.full.peakRssMb - first.full.peakRssMb)) / first.full.peakRssMb, 1)} %), restore ${fmt(first.restore.peakRssMb, 0)} -> ${fmt(last.restore.peakRssMb, 0)} MB`);
  }
  let local: LocalRun | undefined;
  if (!args.includes('--skip-local')) {
    local = await localBench(Number(option(args, '--local-scale') ?? '1'));
    lines.push(
      '',
      '## Restore on the local services (DynamoDB Local, s3rver)',
      '',
      `scale ${local.scale}: ${local.items} records; a 1 % day of activity changed ${local.changedItems} records`,
      `differential restore: ${fmt(local.differential.restoreS)} s restore + ${fmt(local.differential.verifyS)} s verification, ${local.differential.writtenAndDeleted} records written or deleted (${fmt(local.differential.writtenAndDeleted / local.changedItems)}x the changed records)`,
      `full restore: ${fmt(local.full.restoreS)} s restore + ${fmt(local.full.verifyS)} s verification, ${local.full.written} records written`,
      `restore phase: differential is ${fmt(local.full.restoreS / local.differential.restoreS, 1)}x faster than full`,
      '',
      `## Emergency rollback (state machine, 24 h point, 1 % change) at scale ${local.scale}`,
      '',
      `total ${fmt(local.rollback.totalS, 1)} s, ${local.rollback.phase}: ${local.rollback.written} written, ${local.rollback.deleted} deleted`,
      '',
      '| step | seconds |',
      '|---|---|',
      ...local.rollback.steps.filter((s) => s.seconds >= 0.05).map((s) => `| ${s.step} | ${fmt(s.seconds)} |`),
    );
  }
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);
  const out = join(root, 'bench', 'results');
  await mkdir(out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  await writeFile(join(out, `bench-${stamp}.json`), JSON.stringify({ runs, local }, null, 2));
  await writeFile(join(out, `bench-${stamp}.md`), `${report}\n`);
}

await main();
