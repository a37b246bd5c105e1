import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, WingError } from '../../src/core/errors.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { startLocalTestEnv, type LocalTestEnv } from '../support/local-env.js';

describe('retention next to running backups and a damaged catalog', () => {
  let env: LocalTestEnv;

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01 });
  });
  afterAll(async () => {
    await env.dispose();
  });

  it('does not prune while a backup holds a live lease, and removes the leases of dead backups', async () => {
    const { catalog, backups, clock } = env.runtime;
    const until = new Date(clock.now().getTime() + 600_000).toISOString();
    await catalog.putBackupLease({ runId: 'run-live', owner: { host: hostname(), pid: process.pid }, startedAt: clock.now().toISOString(), leaseUntil: until });

    await expect(backups.applyRetention({ dryRun: false })).rejects.toThrow(/backup is being taken \(run-live\)/);

    await catalog.deleteBackupLease('run-live');
    // A lease whose owner is gone does not block retention, and is cleaned up by it.
    await catalog.putBackupLease({ runId: 'run-dead', owner: { host: hostname(), pid: 2 ** 22 + 12345 }, startedAt: clock.now().toISOString(), leaseUntil: until });
    await backups.applyRetention({ dryRun: false });
    expect(await catalog.listBackupLeases()).toEqual([]);
  });

  it('makes a backup wait while the rollback lock is held, without writing anything', async () => {
    const { lock, backups } = env.runtime;
    const before = (await backups.listRecoveryPoints()).length;
    await lock.acquire('rollback-in-progress', 'rollback', 60_000);
    try {
      await expect(backups.createRecoveryPoint()).rejects.toBeInstanceOf(ConflictError);
      // The lock's owner may take its own snapshots (a rollback's safety snapshot).
      await expect(backups.createComponentSnapshot('auth', { purpose: 'safety', lockOwner: 'rollback-in-progress' })).resolves.toMatchObject({ component: 'auth' });
    } finally {
      await lock.release('rollback-in-progress');
    }
    expect((await backups.listRecoveryPoints()).length).toBe(before);
    expect(await env.runtime.catalog.listBackupLeases()).toEqual([]);
  });

  it('announces each backup in the notification outbox', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    const lines = (await readFile(env.runtime.paths.notifications, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { detailType: string; detail: { recoveryPointId?: string; status: string } });
    expect(lines.at(-1)).toMatchObject({ detailType: 'BackupCompleted', detail: { recoveryPointId: point.recoveryPointId, status: 'Completed' } });
  });

  it('refuses to prune from a catalog that has lost points the vault holds', async () => {
    const { catalog, backups, vaultStore } = env.runtime;
    const [newest] = await backups.listRecoveryPoints();
    if (!newest) throw new Error('no point');
    await catalog.deleteRecoveryPoint(newest.recoveryPointId);
    expect(await vaultStore.exists(vaultLayout.recoveryPoint(newest.recoveryPointId))).toBe(true);

    await expect(backups.applyRetention({ dryRun: false })).rejects.toThrow(WingError);
    await expect(backups.applyRetention({ dryRun: false })).rejects.toThrow(/--rebuild/);

    await backups.rebuildCatalog();
    await expect(backups.applyRetention({ dryRun: false })).resolves.toMatchObject({ dryRun: false });
    expect((await backups.verifyRecoveryPoint(newest.recoveryPointId)).ok).toBe(true);
  });
});
