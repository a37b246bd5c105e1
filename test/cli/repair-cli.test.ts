/**
 * Issue 6's commands through the built CLI on one demo state folder: a fault makes `health:check`
 * exit 1, `repair:component` fixes it and `health:check` exits 0; bad targets exit 2 with one line;
 * `vision-lake:status` and `vision-lake:verify` agree with the health check; `backup:drill`
 * records its proof, which `backup:list` shows; `agent:restore` restores one agent.
 *
 * One set of local services serves the whole file (held by this process, as in
 * health-audit-cli.test.ts): each command uses their endpoints instead of starting its own.
 */
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultResourceNames } from '../../src/core/plan.js';
import type { LocalRuntime } from '../../src/local/local-runtime.js';
import {
  addAdministrator,
  backupListSchema,
  cliEnv,
  describeRun,
  disposeStateFolder,
  expectJsonSuccess,
  expectOneErrorLine,
  holdLocalServices,
  initialisedStateFolder,
  runWing,
  type RunResult,
  withStateFolderRuntime,
  type TestAdministrator,
} from './cli-support.js';

let home = '';
let admin: TestAdministrator;

function wing(args: readonly string[], extra: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
  return runWing(args, cliEnv(home, extra), { timeoutMs });
}

function withRuntime<T>(work: (runtime: LocalRuntime) => Promise<T>): Promise<T> {
  return withStateFolderRuntime(home, work);
}

const rollbackSchema = z.object({ success: z.literal(true), rollbackId: z.string(), phase: z.literal('Completed'), components: z.array(z.object({ component: z.string(), phase: z.string(), written: z.number(), deleted: z.number() })) });

beforeAll(async () => {
  const folder = await initialisedStateFolder('wing-repair-cli-', { scale: 0.01 });
  home = folder.home;
  expect(folder.init.code, describeRun(folder.init)).toBe(0);
  await holdLocalServices(home);
  admin = await addAdministrator(home, 'repairer');
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the repair CLI tests');
}, 30_000);

describe('repairs, drills and the vision-lake commands', { timeout: 240_000 }, () => {
  it('bad targets exit 2 with one line before any credentials are asked for', async () => {
    expect(expectOneErrorLine(await wing(['repair:component', '--component', 'nope', '--json']), 2, { json: true })).toContain('vision-lake, auth, agents, squadrons');
    expect(expectOneErrorLine(await wing(['agent:restore', '--json']), 2, { json: true })).toContain('--id=AGENT_ID');
    expect(expectOneErrorLine(await wing(['agent:restore', '--id', 'a#b', '--json']), 2, { json: true })).toContain('is not an agent id');
  });

  it('a deleted document body: health:check and vision-lake:status exit 1, vision-lake:verify 5; repair:component fixes it and both exit 0', async () => {
    await withRuntime(async (runtime) => {
      const listed = await runtime.s3.send(new ListObjectsV2Command({ Bucket: defaultResourceNames.visionLakeBucket }));
      const key = listed.Contents?.[0]?.Key;
      if (key === undefined) throw new Error('no document');
      await runtime.s3.send(new DeleteObjectCommand({ Bucket: defaultResourceNames.visionLakeBucket, Key: key }));
    });
    expect(expectOneErrorLine(await wing(['health:check', '--json']), 1, { json: true, onlyLine: false, extraJsonFields: true })).toContain('vision-lake index-matches-documents');
    expect((await wing(['vision-lake:status'])).code).toBe(1);
    expect((await wing(['vision-lake:verify'])).code).toBe(5);

    const repaired = await wing(['repair:component', '--component=vision-lake', '--yes', '--reason=document lost', '--json'], await admin.env());
    const body = expectJsonSuccess(repaired, rollbackSchema);
    // Only vision-lake; the demo's live data also changed since its newest point, so more than the one body is written back.
    expect(body.components.map((c) => [c.component, c.phase])).toEqual([['vision-lake', 'restored']]);
    expect(body.components[0]?.written).toBeGreaterThanOrEqual(1);
    expect(repaired.stderr).toContain('repair:component: vision-lake to rp-');

    expect((await wing(['health:check'])).code).toBe(0);
    expect((await wing(['vision-lake:status'])).code).toBe(0);
    expect((await wing(['vision-lake:verify'])).code).toBe(0);
  });

  it('agent:restore --id=A brings back that agent\'s configuration and leaves another agent\'s change', async () => {
    const [a, b] = await withRuntime(async (runtime) => {
      const config = async (id: string) => (await runtime.dynamo.send(new GetItemCommand({ TableName: defaultResourceNames.agentsTable, Key: { pk: { S: `AGENT#${id}` }, sk: { S: 'CONFIG' } } }))).Item;
      const scan = await runtime.dynamo.send(new ScanCommand({ TableName: defaultResourceNames.agentsTable }));
      const agents = (scan.Items ?? []).filter((i) => i.sk?.S === 'CONFIG').map((i) => (i.pk?.S ?? '').slice('AGENT#'.length));
      const [first, second] = agents;
      if (first === undefined || second === undefined) throw new Error('two agents needed');
      for (const id of [first, second]) {
        const item = await config(id);
        if (!item) throw new Error('no config');
        await runtime.dynamo.send(new PutItemCommand({ TableName: defaultResourceNames.agentsTable, Item: { ...item, model: { S: `changed-${id}` } } }));
      }
      return [first, second];
    });
    expectJsonSuccess(await wing(['agent:restore', `--id=${a}`, '--yes', '--json'], await admin.env()), rollbackSchema);
    const models = await withRuntime(async (runtime) =>
      Promise.all(
        [a, b].map(async (id) => (await runtime.dynamo.send(new GetItemCommand({ TableName: defaultResourceNames.agentsTable, Key: { pk: { S: `AGENT#${id}` }, sk: { S: 'CONFIG' } } }))).Item?.model?.S),
      ),
    );
    expect(models[0]).not.toBe(`changed-${a}`);
    expect(models[1]).toBe(`changed-${b}`);
  });

  it('backup:drill --json passes on the newest point and backup:list shows its last drill', async () => {
    const drill = expectJsonSuccess(await wing(['backup:drill', '--json']), z.object({ success: z.literal(true), result: z.literal('passed'), recoveryPointId: z.string(), items: z.number().positive() }));
    const list = expectJsonSuccess(await wing(['backup:list', '--json']), backupListSchema);
    const point = list.recoveryPoints.find((p) => p.recoveryPointId === drill.recoveryPointId);
    expect(point?.lastDrill).toMatchObject({ result: 'passed', items: drill.items });
  });
});
