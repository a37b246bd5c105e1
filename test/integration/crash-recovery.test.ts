import { spawn, type ChildProcess } from 'node:child_process';
import { PutItemCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultResourceNames as names } from '../../src/core/plan.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { VaultReader } from '../../src/core/snapshot/vault-reader.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { mutateDemoData } from '../../src/local/demo/demo-loader.js';
import { startLocalTestEnv, tableState, type LocalTestEnv } from '../support/local-env.js';

const worker = new URL('../fixtures/engine-worker.ts', import.meta.url).pathname;

/** Runs the worker and SIGKILLs it once `killWhen` matches a line it printed. */
function runAndKill(env: LocalTestEnv, args: string[], killWhen: RegExp): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', worker, env.home, JSON.stringify(env.runtime.endpoints), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let output = '';
    let killed = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!killed && killWhen.test(output)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      resolve({ killed, output });
    });
  });
}


describe('crash safety', () => {
  let env: LocalTestEnv;

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.05 });
  });
  afterAll(async () => {
    await env.dispose();
  });

  it('a restore killed in the middle, then run again, ends in exactly the snapshot state', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    const expected = await tableState(env, names.visionLakeTable);
    // Change many index items so the restore has a lot to write, then kill it early.
    const live = await tableState(env, names.visionLakeTable);
    for (const key of [...live.keys()].slice(0, 300)) {
      const [pk, sk] = key.split('|');
      await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.visionLakeTable, Item: { pk: { S: pk ?? '' }, sk: { S: sk ?? '' }, title: { S: 'tampered' } } }));
    }
    const firstKey = [...live.keys()][400]?.split('|');
    if (firstKey) {
      await env.runtime.dynamo.send(new DeleteItemCommand({ TableName: names.visionLakeTable, Key: { pk: { S: firstKey[0] ?? '' }, sk: { S: firstKey[1] ?? '' } } }));
    }
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.visionLakeTable, Item: { pk: { S: 'EXTRA#1' }, sk: { S: 'X' } } }));

    const run = await runAndKill(env, ['restore', point.recoveryPointId, 'full'], /progress vision-lake write/);
    expect(run.killed, run.output).toBe(true);
    const between = await tableState(env, names.visionLakeTable);
    expect(between).not.toEqual(expected);

    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'differential' });

    expect(results.every((r) => r.verified)).toBe(true);
    expect(await tableState(env, names.visionLakeTable)).toEqual(expected);
  });

  it('a full restore killed in the middle resumes from its checkpoint when run again with the same id', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    const expected = await tableState(env, names.visionLakeTable);
    for (const key of [...expected.keys()].slice(0, 200)) {
      const [pk, sk] = key.split('|');
      await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.visionLakeTable, Item: { pk: { S: pk ?? '' }, sk: { S: sk ?? '' }, title: { S: 'tampered' } } }));
    }
    const run = await runAndKill(env, ['restore', point.recoveryPointId, 'full', 'rollback-test-1'], /progress vision-lake write [1-9]/);
    expect(run.killed, run.output).toBe(true);

    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'full', restoreId: 'rollback-test-1' });

    const visionLake = results.find((r) => r.component === 'vision-lake');
    expect(visionLake?.verified).toBe(true);
    // Resumed: the records written before the kill were not written again.
    expect(visionLake?.streams[0]?.written).toBeLessThan(expected.size);
    expect(await tableState(env, names.visionLakeTable)).toEqual(expected);
  });

  it('a backup killed in the middle leaves no point that can be chosen and no orphan data after retention', async () => {
    await mutateDemoData({ dynamo: env.runtime.dynamo, s3: env.runtime.s3, seed: 1, day: 20, now: env.runtime.clock.now() });
    const before = new Set((await env.runtime.backups.listRecoveryPoints()).map((p) => p.recoveryPointId));

    const run = await runAndKill(env, ['backup'], /progress snapshot auth/);
    expect(run.killed, run.output).toBe(true);

    const after = await env.runtime.backups.listRecoveryPoints();
    const crashed = after.filter((p) => !before.has(p.recoveryPointId));
    expect(crashed.map((p) => p.status)).toEqual(['InProgress']);
    const chosen = await env.runtime.backups.selectRecoveryPoint(0);
    expect(chosen && before.has(chosen.recoveryPointId)).toBe(true);

    await env.runtime.backups.applyRetention({ dryRun: false });
    // A pack repacked by this prune keeps its superseded generation until the next one.
    await env.runtime.backups.applyRetention({ dryRun: false });

    const remaining = await env.runtime.backups.listRecoveryPoints();
    expect(remaining.some((p) => !before.has(p.recoveryPointId))).toBe(false);
    // Every object left in the vault is referenced by a remaining snapshot or point.
    const reader = new VaultReader({ store: env.runtime.vaultStore, keys: env.runtime.keys, compressor: new ZstdCompressor() });
    const referenced = new Set<string>();
    for (const p of remaining) {
      referenced.add(vaultLayout.recoveryPoint(p.recoveryPointId));
      for (const ref of p.snapshots) {
        const s = await reader.readSummary(ref.component, ref.snapshotId);
        referenced.add(vaultLayout.snapshotSummary(ref.component, ref.snapshotId));
        for (const pack of s.packs) {
          const index = await reader.readPackIndex(ref.component, pack);
          referenced.add(vaultLayout.pack(ref.component, pack, index.generation)).add(vaultLayout.packIndex(ref.component, pack));
        }
        for (const stream of s.streams) for (const c of stream.manifestChunks) referenced.add(vaultLayout.manifestChunk(ref.component, c));
      }
    }
    const stored: string[] = [];
    for await (const o of env.runtime.vaultStore.list('')) stored.push(o.key);
    expect(stored.filter((k) => !referenced.has(k))).toEqual([]);
    for (const p of remaining) expect((await env.runtime.backups.verifyRecoveryPoint(p.recoveryPointId)).ok).toBe(true);
  });
});
