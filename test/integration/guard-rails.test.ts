import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAdminStore } from '../../src/adapters/dynamodb-admin-store.js';
import { DynamoRollbackLock } from '../../src/adapters/dynamodb-rollback-lock.js';
import { localDynamoClient } from '../../src/adapters/local-clients.js';
import { SystemTable } from '../../src/adapters/system-table.js';
import { CredentialCheck, hashPassword, totpCode } from '../../src/core/credentials.js';
import { AuthenticationError, ConflictError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/ports.js';
import { startLocalServices, type RunningServices } from '../../src/local/local-services.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';
const PASSWORD = 'a long enough password';

describe('guard rails on DynamoDB Local', () => {
  let home: string;
  let services: RunningServices;
  let table: SystemTable;
  const clock = new ManualClock(new Date('2026-11-25T12:00:00Z'));

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'wing-guard-'));
    services = await startLocalServices({ home });
    table = new SystemTable(localDynamoClient(services.endpoints.dynamodb), 'wing-rollback-system');
    await table.ensure();
  });
  afterAll(async () => {
    table.client.destroy();
    await services.stop();
    await rm(home, { recursive: true, force: true });
  });

  describe('the rollback lock', () => {
    it('lets one owner hold it, refuses others with a conflict naming the holder, and only the owner releases it', async () => {
      const lock = new DynamoRollbackLock(table, clock);
      await lock.acquire('rollback-1', 'rollback', 60_000);

      await expect(lock.acquire('rollback-2', 'rollback', 60_000)).rejects.toThrow(/held by rollback-1/);
      await expect(lock.release('rollback-2')).rejects.toBeInstanceOf(ConflictError);
      await lock.release('rollback-1');
      await lock.acquire('rollback-2', 'retention', 60_000);
      expect((await lock.current())?.owner).toBe('rollback-2');
      await lock.release('rollback-2');
    });

    it('is taken over once its lease ran out, and the old owner can no longer renew or release it', async () => {
      const lock = new DynamoRollbackLock(table, clock);
      await lock.acquire('crashed', 'rollback', 60_000);
      clock.advance(61_000);

      await lock.acquire('next', 'rollback', 60_000);

      await expect(lock.renew('crashed', 60_000)).rejects.toBeInstanceOf(ConflictError);
      await expect(lock.release('crashed')).rejects.toBeInstanceOf(ConflictError);
      await lock.release('next');
    });

    it('gives the lock to exactly one of many concurrent callers', async () => {
      const lock = new DynamoRollbackLock(table, clock);
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_v, i) => lock.acquire(`racer-${String(i)}`, 'rollback', 60_000)));
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const holder = await lock.current();
      if (holder) await lock.release(holder.owner);
    });
  });

  describe('the credential check', () => {
    beforeAll(async () => {
      const admins = new DynamoAdminStore(table);
      await admins.put({ username: 'admin', passwordHash: await hashPassword(PASSWORD), totpSecret: SECRET, level: 'admin', createdAt: clock.now().toISOString(), disabled: false, lastTotpStep: 0 });
      await admins.put({ username: 'op', passwordHash: await hashPassword(PASSWORD), totpSecret: SECRET, level: 'operator', createdAt: clock.now().toISOString(), disabled: false, lastTotpStep: 0 });
    });

    it('accepts a password and TOTP code once, refuses the same code again, accepts the next step', async () => {
      const check = new CredentialCheck(new DynamoAdminStore(table), clock);
      const code = totpCode(SECRET, clock.now());
      await expect(check.verify({ username: 'admin', password: PASSWORD, totp: code })).resolves.toMatchObject({ username: 'admin' });

      await expect(check.verify({ username: 'admin', password: PASSWORD, totp: code })).rejects.toMatchObject({ auditDetail: 'authentication code replayed' });
      clock.advance(30_000);
      await expect(check.verify({ username: 'admin', password: PASSWORD, totp: totpCode(SECRET, clock.now()) })).resolves.toBeDefined();
    });

    it('lets only one of two concurrent uses of one code through', async () => {
      clock.advance(30_000);
      const check = new CredentialCheck(new DynamoAdminStore(table), clock);
      const code = totpCode(SECRET, clock.now());
      const results = await Promise.allSettled([1, 2].map(() => check.verify({ username: 'admin', password: PASSWORD, totp: code })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('does not burn a code on a wrong password, and refuses an operator for an administrator action', async () => {
      clock.advance(30_000);
      const check = new CredentialCheck(new DynamoAdminStore(table), clock);
      const code = totpCode(SECRET, clock.now());
      await expect(check.verify({ username: 'admin', password: 'wrong password!!', totp: code })).rejects.toBeInstanceOf(AuthenticationError);
      await expect(check.verify({ username: 'admin', password: PASSWORD, totp: code })).resolves.toBeDefined();
      await expect(check.verify({ username: 'op', password: PASSWORD, totp: code })).rejects.toThrow(/operator/);
    });
  });
});
