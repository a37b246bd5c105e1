/** The actions of `keys:export` and `keys:import` (keys-commands.ts). */
import { access, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { assertPassphraseStrength, keyFingerprint, parseKeyExport, unwrapMasterKey, wrapMasterKey } from '../../core/key-export-format.js';
import { readMasterKeyFile } from '../../adapters/local-key-service.js';
import { writeNewSecretFile } from '../../adapters/secret-file.js';
import { ensureStateFolder, resolveWingHome, statePaths, writeNewFile } from '../../local/state-folder.js';
import type { CommandContext } from '../command-context.js';
import { localOperatorName } from '../local-operator.js';
import { promptHidden } from '../credentials-input.js';
import type { CommandResult } from '../output.js';
import { PASSPHRASE_ENV } from './keys-commands.js';

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/** The passphrase from the environment, else asked twice (export) or once (import) without echo. */
async function readPassphrase(options: { confirm: boolean }): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if ((process.stdin.isTTY as boolean | undefined) !== true) {
    throw new ValidationError(`no passphrase given: set ${PASSPHRASE_ENV} or run the command in a terminal to be asked`);
  }
  const passphrase = await promptHidden('Key passphrase: ');
  if (options.confirm && (await promptHidden('Key passphrase again: ')) !== passphrase) {
    throw new ValidationError('the two passphrases differ: nothing was exported');
  }
  return passphrase;
}

function refuseAws(ctx: CommandContext, command: string): void {
  if (ctx.isAws) {
    throw new ValidationError(`${command} works on the local master key; on AWS the vault key stays in KMS and is never exported: run it without --target aws`);
  }
}

export async function exportKey(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  refuseAws(ctx, 'keys:export');
  const out = typeof opts.out === 'string' ? resolve(opts.out) : undefined;
  // With --json, stdout holds the result object; the export itself needs a file.
  if (out === undefined && ctx.flags.json) throw new ValidationError('--json needs --out=FILE: stdout holds the JSON result, not the key export');
  if (out !== undefined && (await exists(out))) throw new ValidationError(`${out} exists already: keys:export never overwrites a file; choose another --out`);
  const passphrase = await readPassphrase({ confirm: true });
  assertPassphraseStrength(passphrase);
  // The runtime is opened for the audit trail: an export of the key is a key event on record.
  const runtime = await ctx.openLocal();
  const key = await readMasterKeyFile(runtime.paths.masterKey, { create: false });
  ctx.progress.step('wrapping the master key under the passphrase (scrypt)');
  const exported = await wrapMasterKey(key, passphrase);
  const fingerprint = keyFingerprint(key);
  const record = { actor: localOperatorName(), action: 'keys.export', outcome: 'succeeded', detail: `fingerprint ${fingerprint}`, source: 'cli' } as const;
  if (out === undefined) {
    await runtime.services.audit.append(record);
    return { fields: { out: null, fingerprint }, text: exported };
  }
  try {
    await writeNewFile(out, exported);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw new ValidationError(`${out} exists already: keys:export never overwrites a file; choose another --out`);
    throw err;
  }
  try {
    await runtime.services.audit.append(record);
  } catch (err) {
    // An export that is not on record does not happen.
    await rm(out, { force: true });
    throw err;
  }
  return {
    fields: { out, fingerprint },
    text: `master key ${fingerprint} exported to ${out}: keep the file and its passphrase apart, off this machine`,
  };
}

export async function importKey(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  refuseAws(ctx, 'keys:import');
  const source = resolve(String(opts.in));
  const home = resolveWingHome();
  const target = statePaths(home).masterKey;
  const replacing = new ValidationError(
    `${target} exists already: keys:import never replaces a master key (backups made under it would no longer open); move that file away first if you mean to`,
  );
  if (await exists(target)) throw replacing;
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read ${source}: ${(err as Error).message}`, { cause: err });
  }
  const document = parseKeyExport(text, source);
  const { key, fingerprint } = await unwrapMasterKey(document, await readPassphrase({ confirm: false }), source);
  const paths = await ensureStateFolder(home);
  try {
    await writeNewSecretFile(paths.masterKey, key);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw replacing;
    throw err;
  }
  return {
    fields: { path: paths.masterKey, fingerprint },
    text: `master key ${fingerprint} restored to ${paths.masterKey}`,
  };
}
