/**
 * † commands while `npm start` owns the state folder: they go through its admin API (visible in
 * the API's request log), so they pass the same sign-in and audit as the portal, and a rollback
 * goes on in the owner's process when the CLI that started it is killed. `--no-wait` returns
 * the rollback id at once. Each test signs in as its own administrator (replay is per user).
 */
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STACK_OUTPUTS } from '../../src/adapters/stack-outputs.js';
import { planDigest } from '../../src/core/plan.js';
import { loadLocalPlan } from '../../src/local/local-runtime.js';
import { startFakeCloudFormation } from '../support/fake-cloudformation.js';
import {
  ADMIN_ENV,
  addAdministrator,
  cliEnv,
  describeRun,
  disposeStateFolder,
  expectJsonSuccess,
  expectOneErrorLine,
  newStateFolder,
  runWing,
  spawnWing,
  type RunResult,
  type SpawnedWing,
} from './cli-support.js';

let home = '';
let owner: SpawnedWing | undefined;

const statusSchema = z.object({ success: z.literal(true), rollbackId: z.string(), phase: z.string(), step: z.string() });
const startedSchema = z.object({ success: z.literal(true), rollbackId: z.string(), recoveryPointId: z.string().nullable(), phase: z.enum(['Pending', 'InProgress']), message: z.string() });

function wing(args: readonly string[], extra: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
  return runWing(args, cliEnv(home, extra), { timeoutMs });
}

interface RequestLine {
  method: string;
  path: string;
  status: number;
}

function requestLog(): RequestLine[] {
  const file = join(home, 'logs', 'api-requests.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RequestLine);
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function statusOf(rollbackId: string): Promise<z.infer<typeof statusSchema>> {
  return expectJsonSuccess(await wing(['rollback:status', ...(rollbackId === 'latest' ? [] : [`--rollback-id=${rollbackId}`]), '--json']), statusSchema);
}

async function waitUntilFinished(rollbackId: string): Promise<string> {
  return waitFor(
    `rollback ${rollbackId} to finish`,
    async () => {
      const s = await statusOf(rollbackId);
      return s.phase === 'Pending' || s.phase === 'InProgress' ? undefined : s.phase;
    },
    180_000,
  );
}

beforeAll(async () => {
  home = await newStateFolder('wing-owner-api-');
  owner = spawnWing(['start', '--scale', '0.02'], cliEnv(home, { ...ADMIN_ENV, WING_PORT: '0' }));
  const running = owner;
  await waitFor('npm start to print the portal URL', () => (/Portal: http:\/\/127\.0\.0\.1:\d+\//.test(running.stdout()) ? true : running.hasExited() ? false : undefined), 200_000).then((ok) => {
    if (!ok) throw new Error(`start exited early:\n${running.stdout()}\n${running.stderr()}`);
  });
}, 240_000);

afterAll(async () => {
  if (owner && !owner.hasExited()) {
    owner.child.kill('SIGINT');
    await owner.exited;
  }
  await disposeStateFolder(home, 'the owner API CLI tests');
}, 60_000);

async function stopOwner(running: SpawnedWing): Promise<void> {
  running.child.kill('SIGINT');
  const r = await running.exited;
  expect(r.code ?? r.signal, describeRun(r)).toBe(130);
  expect(existsSync(join(home, 'run.lock'))).toBe(false);
  expect(existsSync(join(home, 'endpoints.json'))).toBe(false);
}

describe('† commands while npm start owns the state folder', { timeout: 300_000 }, () => {
  it('endpoints.json names the admin API and the portal', () => {
    const endpoints = z.object({ dynamodb: z.string(), s3: z.string(), api: z.string(), portal: z.string() }).parse(JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')));
    expect(endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(endpoints.portal).toBe(endpoints.api.replace(/api$/, ''));
  });

  it('the server answers only requests addressed to 127.0.0.1 or localhost (no DNS rebinding)', async () => {
    const endpoints = z.object({ api: z.string() }).parse(JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')));
    const url = new URL(`${endpoints.api}/openapi.json`);
    const statusFor = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ hostname: url.hostname, port: url.port, path: url.pathname, headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusFor(`127.0.0.1:${url.port}`)).toBe(200);
    expect(await statusFor(`localhost:${url.port}`)).toBe(200);
    expect(await statusFor('attacker.example')).toBe(403);
    expect(await statusFor(`rebound.attacker.example:${url.port}`)).toBe(403);
  });

  it('a rollback goes through the admin API and completes although the CLI is killed after it started', async () => {
    const admin = await addAdministrator(home, 'ops-killed-cli');
    const before = requestLog().length;
    const cli = spawnWing(['rollback:emergency', '--reason=bad deploy, CLI killed', '--yes'], cliEnv(home, await admin.env()));
    // Killed as soon as the API accepted the start: from then on the rollback is the owner's.
    await waitFor('POST /api/rollbacks 202 in the request log', () => (requestLog().slice(before).some((l) => l.method === 'POST' && l.path === '/api/rollbacks' && l.status === 202) ? true : cli.hasExited() ? false : undefined), 60_000).then((ok) => {
      if (!ok) throw new Error(`the CLI ended before starting:\n${cli.stderr()}`);
    });
    cli.child.kill('SIGKILL');
    const killed = await cli.exited;
    expect(killed.signal).toBe('SIGKILL');
    const calls = requestLog().slice(before);
    expect(calls.map((l) => `${l.method} ${l.path} ${String(l.status)}`)).toEqual(expect.arrayContaining(['POST /api/sessions 201', 'GET /api/rollbacks/plan 200', 'POST /api/rollbacks 202']));
    const latest = await statusOf('latest');
    expect(await waitUntilFinished(latest.rollbackId)).toBe('Completed');
    const log = await wing(['rollback:logs', `--rollback-id=${latest.rollbackId}`]);
    expect(log.stdout).toContain('initiator=ops-killed-cli');
  });

  it('--no-wait returns the rollback id at once, and the rollback goes on in npm start', async () => {
    const admin = await addAdministrator(home, 'ops-no-wait');
    const previous = await statusOf('latest');
    const r = await wing(['rollback:undo', '--no-wait', '--yes', '--reason=undo, not waiting', '--json'], await admin.env());
    const started = expectJsonSuccess(r, startedSchema);
    expect(started.rollbackId).not.toBe(previous.rollbackId);
    expect(await waitUntilFinished(started.rollbackId)).toBe('Completed');
    expect((await statusOf(previous.rollbackId)).phase).toBe('Undone');
  });

  it('a wrong code is refused by the API with exit 3 and one line, and starts nothing', async () => {
    const admin = await addAdministrator(home, 'ops-wrong-code');
    const code = await admin.code();
    const wrong = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    const previous = await statusOf('latest');
    const before = requestLog().length;
    const r = await wing(['rollback:quick', '--yes', '--json'], { WING_USERNAME: admin.username, WING_PASSWORD: admin.password, WING_TOTP: wrong });
    expect(expectOneErrorLine(r, 3, { json: true })).toContain('authentication refused');
    expect(requestLog().slice(before).map((l) => `${l.method} ${l.path} ${String(l.status)}`)).toEqual(['POST /api/sessions 401']);
    expect((await statusOf('latest')).rollbackId).toBe(previous.rollbackId);
  });

  it('system:safe-mode goes through the API: on, then --off', async () => {
    const admin = await addAdministrator(home, 'ops-safe-mode');
    const on = expectJsonSuccess(await wing(['system:safe-mode', '--reason=maintenance', '--json'], await admin.env()), z.object({ mode: z.literal('safe'), reason: z.string() }));
    expect(on.reason).toContain('maintenance');
    expectJsonSuccess(await wing(['system:safe-mode', '--off', '--json'], await admin.env()), z.object({ mode: z.literal('normal') }));
    expect(requestLog().filter((l) => l.path === '/api/system/safe-mode').map((l) => l.status)).toEqual([200, 200]);
  });

  it('--target aws finds the admin API from the stack outputs and sends the rollback through it', async () => {
    const endpoints = z.object({ api: z.string() }).parse(JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')));
    const plan = await loadLocalPlan(home);
    // The deployed stack stands in as this owner's API; the outputs name the same resources.
    const outputs: Record<string, string> = {
      [STACK_OUTPUTS.adminApiUrl]: endpoints.api,
      [STACK_OUTPUTS.systemTableName]: plan.systemTable,
      [STACK_OUTPUTS.vaultBucketName]: plan.vaultBucket,
      [STACK_OUTPUTS.auditBucketName]: plan.auditBucket,
      [STACK_OUTPUTS.kmsKeyArn]: 'arn:aws:kms:eu-west-1:000000000000:key/test',
      [STACK_OUTPUTS.eventBusName]: 'default',
      [STACK_OUTPUTS.adminTopicArn]: 'arn:aws:sns:eu-west-1:000000000000:wing-rollback-admin',
      [STACK_OUTPUTS.userTopicArn]: 'arn:aws:sns:eu-west-1:000000000000:wing-rollback-user-notices',
      [STACK_OUTPUTS.stateMachineArn]: 'arn:aws:states:eu-west-1:000000000000:stateMachine:wing-rollback',
      [STACK_OUTPUTS.planDigest]: planDigest(plan),
    };
    const cloudFormation = await startFakeCloudFormation('WingRollbackTest', outputs);
    try {
      const aws = { AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
      const target = ['--target', 'aws', '--stack', 'WingRollbackTest', '--region', 'eu-west-1'];
      const admin = await addAdministrator(home, 'ops-aws-target');
      const before = requestLog().length;
      const r = await wing(['rollback:quick', ...target, '--yes', '--reason=through the deployed API', '--json'], { ...aws, ...(await admin.env()) });
      const done = expectJsonSuccess(r, z.object({ rollbackId: z.string(), phase: z.literal('Completed') }));
      expect(requestLog().slice(before).map((l) => `${l.method} ${l.path} ${String(l.status)}`)).toEqual(expect.arrayContaining(['POST /api/sessions 201', 'POST /api/rollbacks 202', `GET /api/rollbacks/${done.rollbackId} 200`]));

      const unknown = await wing(['rollback:quick', '--target', 'aws', '--stack', 'Nope', '--region', 'eu-west-1', '--yes', '--json'], { ...aws, ...(await admin.env()) });
      expect(expectOneErrorLine(unknown, 2, { json: true })).toContain('no stack Nope');

      cloudFormation.outputs = { ...outputs, [STACK_OUTPUTS.planDigest]: '0'.repeat(64) };
      const drifted = await wing(['plan:show', ...target, '--json'], aws);
      expect(expectOneErrorLine(drifted, 2, { json: true })).toContain('plan differs');

      cloudFormation.outputs = { [STACK_OUTPUTS.adminApiUrl]: endpoints.api };
      const old = await wing(['plan:show', ...target, '--json'], aws);
      expect(expectOneErrorLine(old, 1, { json: true })).toContain(STACK_OUTPUTS.planDigest);
    } finally {
      await cloudFormation.close();
    }
  });

  it('Ctrl-C while a rollback runs asks for a second one; then npm start stops cleanly, and a second start reuses the state', async () => {
    const first = owner;
    if (!first) throw new Error('no owner');
    const points = /recovery points: (\d+)/.exec(first.stdout())?.[1];
    const admin = await addAdministrator(home, 'ops-ctrl-c');
    const started = expectJsonSuccess(await wing(['rollback:undo', '--no-wait', '--yes', '--json'], await admin.env()), startedSchema);
    first.child.kill('SIGINT');
    await waitFor('the warning about the running rollback', () => (first.stderr().includes('Press Ctrl-C again') ? true : first.hasExited() ? false : undefined), 10_000).then((ok) => {
      if (!ok) throw new Error(`npm start stopped under a running rollback:\n${first.stderr()}`);
    });
    expect(first.stderr()).toContain(started.rollbackId);
    expect(await waitUntilFinished(started.rollbackId)).toBe('Completed');
    await stopOwner(first);
    const second = spawnWing(['start'], cliEnv(home, { WING_PORT: '0' }));
    owner = second;
    await waitFor('the second start to print the portal URL', () => (/Portal: http/.test(second.stdout()) ? true : second.hasExited() ? false : undefined), 120_000).then((ok) => {
      if (!ok) throw new Error(`the second start exited early:\n${second.stderr()}`);
    });
    expect(second.stderr()).not.toContain('first start');
    // The same history, plus what the tests above did not add: no demo data loaded again.
    expect(/recovery points: (\d+)/.exec(second.stdout())?.[1]).toBe(points);
    await stopOwner(second);
  });
});
