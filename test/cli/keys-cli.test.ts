/**
 * Keys and files through the built CLI (CONTRACT.md, "State folder", `keys:export`): a master key
 * others can read, or a state folder others can open, is refused by every command with one line
 * naming the path and the chmod that fixes it, before any service starts; `keys:export` wraps the
 * master key under a passphrase and `keys:import` puts the same key into a fresh state folder.
 *
 * One state folder, initialised once (no demo data); the refusals start no service, so only
 * init, the export and one audit:list start DynamoDB Local.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ADMIN,
  ADMIN_ENV,
  cliEnv,
  describeRun,
  disposeStateFolder,
  expectJsonSuccess,
  expectOneErrorLine,
  newStateFolder,
  readRunLock,
  runWing,
  serviceProcessesOf,
  type RunResult,
} from './cli-support.js';

const PASSPHRASE = 'a passphrase kept apart from the file';

let home = '';
let masterKey = '';

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

function fingerprintOf(path: string): string {
  return createHash('sha256').update(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).digest('hex').slice(0, 16);
}

/** Runs each command against `home` at once (they are refused before anything starts). */
function runAll(commands: readonly { args: readonly string[]; env?: Record<string, string> }[]): Promise<RunResult[]> {
  return Promise.all(commands.map((c) => runWing(c.args, cliEnv(home, c.env ?? {}), { timeoutMs: 60_000 })));
}

/** Every command that uses the state folder, read-only or not, with what it needs to get past its own checks. */
const EVERY_KIND_OF_COMMAND: readonly { args: readonly string[]; env?: Record<string, string> }[] = [
  { args: ['plan:show'] },
  { args: ['backup:list', '--json'] },
  { args: ['audit:list'] },
  { args: ['rollback:status'] },
  { args: ['health:check'] },
  { args: ['backup:create'] },
  { args: ['rollback:emergency', '--reason=key check', '--yes'], env: { WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password, WING_TOTP: '123456' } },
  { args: ['keys:export'], env: { WING_KEY_PASSPHRASE: PASSPHRASE } },
  { args: ['init'], env: ADMIN_ENV },
  { args: ['start'] },
];

/** A few of them: the state folder's own check is the same code path for every command. */
const SOME_COMMANDS = EVERY_KIND_OF_COMMAND.filter((c) => ['plan:show', 'backup:list', 'keys:export', 'start'].includes(c.args[0] ?? ''));

function expectRefusedWith(commands: typeof EVERY_KIND_OF_COMMAND, results: readonly RunResult[], line: string): void {
  expect(results).toHaveLength(commands.length);
  results.forEach((r, i) => {
    const args = commands[i]?.args ?? [];
    expect(expectOneErrorLine(r, 2, { json: args.includes('--json') }), `${args.join(' ')}\n${describeRun(r)}`).toBe(line);
  });
  // Refused before any service started: nothing owns the folder, nothing runs for it.
  expect(readRunLock(home)).toBeUndefined();
  expect(serviceProcessesOf(home)).toEqual([]);
}

beforeAll(async () => {
  home = await newStateFolder('wing-keys-cli-');
  const init = await runWing(['init', '--json'], cliEnv(home, ADMIN_ENV), { timeoutMs: 180_000 });
  expect(init.code, describeRun(init)).toBe(0);
  masterKey = join(home, 'keys', 'master.key');
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the keys CLI tests');
}, 30_000);

describe('keys and files', { timeout: 180_000 }, () => {
  it('a master key others can read (0644) is refused by every command with one line naming it and chmod 600', async () => {
    chmodSync(masterKey, 0o644);
    try {
      expectRefusedWith(EVERY_KIND_OF_COMMAND, await runAll(EVERY_KIND_OF_COMMAND), `master key ${masterKey} is readable by others (mode 644): run chmod 600 ${masterKey}`);
    } finally {
      chmodSync(masterKey, 0o600);
    }
  });

  it('a state folder others can open (0755) is refused the same way, naming it and chmod 700, and is not changed', async () => {
    chmodSync(home, 0o755);
    try {
      expectRefusedWith(SOME_COMMANDS, await runAll(SOME_COMMANDS), `state folder ${home} is open to others (mode 755): run chmod 700 ${home}`);
      expect(modeOf(home)).toBe(0o755);
    } finally {
      chmodSync(home, 0o700);
    }
  });

  it('keys:export then keys:import into a fresh state folder restores the same key; a wrong passphrase exits 5; nothing is overwritten', async () => {
    const out = join(home, '..', 'master-key.json');
    const fresh = join(home, '..', 'fresh');
    const fingerprint = fingerprintOf(masterKey);
    const withPassphrase = { WING_KEY_PASSPHRASE: PASSPHRASE };

    // Export: a 0600 file, the key's fingerprint, and an audit record naming the fingerprint only.
    const exported = expectJsonSuccess(
      await runWing(['keys:export', `--out=${out}`, '--json'], cliEnv(home, withPassphrase), { timeoutMs: 120_000 }),
      z.strictObject({ success: z.literal(true), out: z.string(), fingerprint: z.string() }),
    );
    expect(exported).toEqual({ success: true, out, fingerprint });
    expect(modeOf(out)).toBe(0o600);
    const file = readFileSync(out, 'utf8');
    expect(file).not.toContain(readFileSync(masterKey, 'utf8').trim());
    expect(file).not.toContain(PASSPHRASE);
    expect(JSON.parse(file)).toMatchObject({ formatVersion: 1, fingerprint, kdf: { name: 'scrypt' }, cipher: 'aes-256-gcm' });
    const audit = expectJsonSuccess(
      await runWing(['audit:list', '--json'], cliEnv(home), { timeoutMs: 120_000 }),
      z.object({ records: z.array(z.object({ action: z.string(), outcome: z.string(), detail: z.string(), actor: z.string() })) }),
    );
    expect(audit.records.find((r) => r.action === 'keys.export')).toMatchObject({ outcome: 'succeeded', detail: `fingerprint ${fingerprint}` });

    // Refused before anything starts: an existing --out, a short passphrase, an import over a key, a wrong passphrase.
    const [again, short, over, wrong] = await Promise.all([
      runWing(['keys:export', `--out=${out}`], cliEnv(home, withPassphrase)),
      runWing(['keys:export', `--out=${out}.2`], cliEnv(home, { WING_KEY_PASSPHRASE: 'too short' })),
      runWing(['keys:import', `--in=${out}`], cliEnv(home, withPassphrase)),
      runWing(['keys:import', `--in=${out}`, '--json'], cliEnv(fresh, { WING_KEY_PASSPHRASE: 'not the passphrase at all' })),
    ]);
    expect(expectOneErrorLine(again, 2, { json: false })).toContain(`${out} exists already`);
    expect(expectOneErrorLine(short, 2, { json: false })).toContain('at least 12 characters');
    expect(existsSync(`${out}.2`)).toBe(false);
    expect(expectOneErrorLine(over, 2, { json: false })).toContain(`${masterKey} exists already: keys:import never replaces a master key`);
    expect(expectOneErrorLine(wrong, 5, { json: true })).toBe(`${out} does not open with this passphrase: the passphrase is wrong or the file was altered`);
    expect(existsSync(join(fresh, 'keys', 'master.key'))).toBe(false);

    // Import into the fresh folder: the same key, 0600 in a 0700 folder.
    const imported = expectJsonSuccess(
      await runWing(['keys:import', `--in=${out}`, '--json'], cliEnv(fresh, withPassphrase)),
      z.strictObject({ success: z.literal(true), path: z.string(), fingerprint: z.string() }),
    );
    const restored = join(fresh, 'keys', 'master.key');
    expect(imported).toEqual({ success: true, path: restored, fingerprint });
    expect(readFileSync(restored, 'utf8')).toBe(readFileSync(masterKey, 'utf8'));
    expect(modeOf(restored)).toBe(0o600);
    expect(modeOf(fresh)).toBe(0o700);
  });
});
