/**
 * `keys:export [--out=FILE]` and `keys:import --in=FILE`: the local master key, wrapped under a
 * passphrase (src/core/key-export-format.ts), for safekeeping off the machine, and back into a
 * state folder that has none. Losing the master key loses every backup made under it; a copy of
 * it in clear is as good as the state folder itself, hence the passphrase.
 *
 * The passphrase comes from WING_KEY_PASSPHRASE or a hidden prompt, never a flag (flags land in
 * shell history and process lists). Neither the key nor the passphrase is written anywhere but
 * the export itself; the audit record of an export names the key by its fingerprint only.
 *
 * The actions are in keys-actions.ts, imported when one of these commands runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export const PASSPHRASE_ENV = 'WING_KEY_PASSPHRASE';

export function registerKeysExport(program: Command): Command {
  return program
    .command('keys:export')
    .description(`export the local master key, wrapped under a passphrase (${PASSPHRASE_ENV} or a prompt), for safekeeping off the machine`)
    .option('--out <file>', 'write the export to this new file (mode 0600) instead of stdout')
    .action(runAction(async () => (await import('./keys-actions.js')).exportKey));
}

export function registerKeysImport(program: Command): Command {
  return program
    .command('keys:import')
    .description(`restore the local master key from a keys:export file into a state folder that has none (passphrase: ${PASSPHRASE_ENV} or a prompt)`)
    .requiredOption('--in <file>', 'the keys:export file')
    .action(runAction(async () => (await import('./keys-actions.js')).importKey));
}
