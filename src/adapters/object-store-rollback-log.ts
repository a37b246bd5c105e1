/**
 * The rollback log on AWS: one S3 object per line under `rollback-logs/<id>/`, named by time and a
 * random suffix, so concurrent Tasks (the parallel restores of one level) never overwrite each
 * other; reading lists them in key order. The Lambdas also log every line to CloudWatch Logs.
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../core/errors.js';
import type { ObjectStore } from '../core/ports.js';
import { formatLogLine, type RollbackLog, type RollbackLogEntry } from '../core/rollback-log.js';
import { vaultLayout } from '../core/vault-layout.js';

export class ObjectStoreRollbackLog implements RollbackLog {
  constructor(private readonly store: ObjectStore) {}

  async append(rollbackId: string, entry: RollbackLogEntry): Promise<void> {
    const key = `${vaultLayout.rollbackLogPrefix(rollbackId)}${entry.at.toISOString()}-${randomBytes(4).toString('hex')}`;
    await this.store.put(key, Buffer.from(`${formatLogLine(entry)}\n`));
  }

  async read(rollbackId: string): Promise<string> {
    const keys: string[] = [];
    for await (const o of this.store.list(vaultLayout.rollbackLogPrefix(rollbackId))) keys.push(o.key);
    if (keys.length === 0) throw new NotFoundError(`no log for rollback ${rollbackId}`);
    const lines = await Promise.all(keys.map((k) => this.store.get(k)));
    return lines.map((b) => b.toString('utf8')).join('');
  }
}
