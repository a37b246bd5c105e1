/**
 * Every npm script of CONTRACT.md that exists, run as `npm run --silent <script> -- ...`: each
 * refuses bad usage with exit 2, one line on stderr and one JSON object on stdout; and the
 * rollback scripts whose success no other file shows through the CLI (rollback:custom,
 * restore:alternative, rollback:full) complete, each signed in as its own administrator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROOT, addAdministrator, cliEnv, describeRun, disposeStateFolder, expectJsonSuccess, expectOneErrorLine, initialisedStateFolder, runWing, type RunResult } from './cli-support.js';

/** The npm scripts of CONTRACT.md whose features exist (the others arrive with their issues). */
const CONTRACT_SCRIPTS = [
  'init',
  'plan:show',
  'backup:create',
  'backup:list',
  'backup:verify',
  'retention:apply',
  'rollback:quick',
  'rollback:full',
  'rollback:emergency',
  'rollback:custom',
  'rollback:plan',
  'rollback:undo',
  'rollback:status',
  'rollback:logs',
  'rollback:cleanup',
  'restore:alternative',
  'health:check',
  'system:safe-mode',
  'audit:list',
  'audit:verify',
  'audit:report',
  'auth:reset-admin',
  'keys:export',
] as const;

let home = '';

function npmRun(script: string, args: readonly string[], extra: Record<string, string> = {}, timeoutMs = 180_000): Promise<RunResult> {
  return runWing(['run', '--silent', script, '--', ...args], cliEnv(home, extra), { timeoutMs, command: ['npm'] });
}

const rollbackResult = z.object({ rollbackId: z.string(), recoveryPointId: z.string(), phase: z.literal('Completed'), message: z.string() });
const pointsSchema = z.object({ recoveryPoints: z.array(z.object({ recoveryPointId: z.string(), createdAt: z.string() })).min(3) });

beforeAll(async () => {
  // The state `init --demo --scale 0.01` leaves (the init script's own success is cli.test.ts's
  // `init` run: package.json runs it as that command, checked below).
  const folder = await initialisedStateFolder('wing-npm-scripts-', { scale: 0.01 });
  home = folder.home;
  expect(folder.init.code, describeRun(folder.init)).toBe(0);
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the npm script tests');
}, 30_000);

describe('the npm scripts of the contract', { timeout: 240_000 }, () => {
  it('package.json runs each one as the CLI command of the same name', () => {
    const scripts = z.record(z.string(), z.string()).parse((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: unknown }).scripts);
    for (const name of CONTRACT_SCRIPTS) expect(scripts[name], name).toBe(`node dist/bin/wing.js ${name}`);
    expect(scripts.start).toBe('node dist/bin/wing.js start');
  });

  it('each refuses an unknown flag with exit 2, one line on stderr and {success:false,error} on stdout', async () => {
    const runs = await Promise.all(CONTRACT_SCRIPTS.map((name) => npmRun(name, ['--no-such-flag', '--json'])));
    for (const [i, name] of CONTRACT_SCRIPTS.entries()) {
      const r = runs[i] as RunResult;
      expect(expectOneErrorLine(r, 2, { json: true }), name).toContain('--no-such-flag');
    }
  });

  it('rollback:custom -- --hours=N rolls back to the newest verified point at least N hours old', async () => {
    const points = expectJsonSuccess(await npmRun('backup:list', ['--json']), pointsSchema).recoveryPoints;
    const admin = await addAdministrator(home, 'ops-custom');
    const r = await npmRun('rollback:custom', ['--hours=30', '--reason=npm script', '--json'], await admin.env());
    const result = expectJsonSuccess(r, rollbackResult);
    const expected = points.find((p) => Date.now() - Date.parse(p.createdAt) >= 30 * 3_600_000);
    expect(result.recoveryPointId).toBe(expected?.recoveryPointId);
  });

  it('restore:alternative -- --backup-id=ID restores exactly that point', async () => {
    const points = expectJsonSuccess(await npmRun('backup:list', ['--json']), pointsSchema).recoveryPoints;
    const chosen = points[2]?.recoveryPointId ?? '';
    const admin = await addAdministrator(home, 'ops-alternative');
    const result = expectJsonSuccess(await npmRun('restore:alternative', [`--backup-id=${chosen}`, '--reason=npm script', '--json'], await admin.env()), rollbackResult);
    expect(result.recoveryPointId).toBe(chosen);
  });

  it('rollback:full rewrites and verifies everything', async () => {
    const admin = await addAdministrator(home, 'ops-full');
    const result = expectJsonSuccess(await npmRun('rollback:full', ['--reason=npm script', '--json'], await admin.env()), rollbackResult);
    const log = await npmRun('rollback:logs', [`--rollback-id=${result.rollbackId}`]);
    expect(log.code, describeRun(log)).toBe(0);
    expect(log.stdout).toContain('mode=full');
  });
});
