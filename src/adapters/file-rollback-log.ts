/** The rollback log locally: `WING_HOME/logs/rollback-<id>.log`, appended line by line, mode 0600. */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { formatLogLine, type RollbackLog, type RollbackLogEntry } from '../core/rollback-log.js';

export class FileRollbackLog implements RollbackLog {
  constructor(private readonly folder: string) {}

  path(rollbackId: string): string {
    // The id names a file: refuse anything that could leave the folder.
    if (!/^[A-Za-z0-9-]+$/.test(rollbackId)) throw new ValidationError(`"${rollbackId}" is not a rollback id`);
    return join(this.folder, `rollback-${rollbackId}.log`);
  }

  async append(rollbackId: string, entry: RollbackLogEntry): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await appendFile(this.path(rollbackId), `${formatLogLine(entry)}\n`, { mode: 0o600 });
  }

  async read(rollbackId: string): Promise<string> {
    try {
      return await readFile(this.path(rollbackId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no log for rollback ${rollbackId}: "npx wing rollback:status" shows the latest rollback`);
      throw err;
    }
  }
}
