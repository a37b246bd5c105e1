import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileRollbackLog } from '../../src/adapters/file-rollback-log.js';
import { FsObjectStore } from '../../src/adapters/fs-object-store.js';
import { ObjectStoreRollbackLog } from '../../src/adapters/object-store-rollback-log.js';
import { NotFoundError, ValidationError } from '../../src/core/errors.js';
import { formatLogLine } from '../../src/core/rollback-log.js';

describe('rollback log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollback-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('one line per entry: time, step, key=value fields (quoted when needed), message', () => {
    const line = formatLogLine({ at: new Date('2026-12-01T02:10:00.000Z'), step: 'RestoreComponent', message: 'restored', fields: { component: 'auth', written: 3, reason: 'bad deploy', skipped: undefined } });
    expect(line).toBe('2026-12-01T02:10:00.000Z step=RestoreComponent component=auth written=3 reason="bad deploy" restored');
  });

  it('the local file is logs/rollback-<id>.log, mode 0600, appended in order; an id cannot leave the folder', async () => {
    const log = new FileRollbackLog(join(dir, 'logs'));
    for (let i = 0; i < 3; i++) await log.append('rb-1', { at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), step: `S${String(i)}`, message: 'm' });
    const text = await log.read('rb-1');
    expect(text.trim().split('\n').map((l) => l.split(' ')[1])).toEqual(['step=S0', 'step=S1', 'step=S2']);
    expect((await stat(join(dir, 'logs', 'rollback-rb-1.log'))).mode & 0o777).toBe(0o600);
    await expect(log.read('rb-none')).rejects.toBeInstanceOf(NotFoundError);
    expect(() => log.path('../etc/passwd')).toThrow(ValidationError);
  });

  it('on an object store (S3 on AWS) one object per line, read back in time order, even when written concurrently', async () => {
    const log = new ObjectStoreRollbackLog(new FsObjectStore(dir));
    const id = `rb-${randomBytes(3).toString('hex')}`;
    await Promise.all([2, 0, 1].map((i) => log.append(id, { at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), step: `S${String(i)}`, message: 'm', fields: { component: `c${String(i)}` } })));
    const lines = (await log.read(id)).trim().split('\n');
    expect(lines.map((l) => /component=(\S+)/.exec(l)?.[1])).toEqual(['c0', 'c1', 'c2']);
    await expect(log.read('rb-none')).rejects.toBeInstanceOf(NotFoundError);
  });
});
