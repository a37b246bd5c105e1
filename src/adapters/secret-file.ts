/**
 * A secret kept in a file of the state folder (base64, mode 0600): the local master key, the
 * session signing key. A file readable by others is refused; a new one is written durably (file
 * and folder synced) before anything depends on it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ValidationError } from '../core/errors.js';

/**
 * Refuses a secret file with any group or other permission bit, in one line naming the file, its
 * mode and the fix. Shared with the state folder's check, which runs before anything starts.
 */
export function assertSecretFileMode(path: string, mode: number, what: string): void {
  if ((mode & 0o077) !== 0) {
    throw new ValidationError(`${what} ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`);
  }
}

export async function loadSecretFile(path: string, options: { bytes: number; create: boolean; what: string; missing: string }): Promise<Buffer> {
  try {
    const info = await stat(path);
    assertSecretFileMode(path, info.mode, options.what);
    const secret = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    if (secret.length !== options.bytes) throw new ValidationError(`${options.what} ${path} is not ${String(options.bytes)} bytes: it is damaged`);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!options.create) throw new ValidationError(options.missing);
    const secret = randomBytes(options.bytes);
    await writeNewSecretFile(path, secret);
    return secret;
  }
}

/**
 * Writes a secret to a file that must not exist yet (EEXIST otherwise: a secret is never
 * overwritten), mode 0600 in a 0700 folder, synced with its folder before it is relied on.
 */
export async function writeNewSecretFile(path: string, secret: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(`${secret.toString('base64')}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await chmod(path, 0o600);
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
