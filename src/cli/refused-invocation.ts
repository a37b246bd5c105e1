/**
 * A command refused before it ran can still be an attack worth seeing (a password typed as a
 * flag means it is now in a shell history): such refusals are recorded in the local audit trail
 * when there is one. Best effort (silent unless --debug) and after the error is shown: the refusal stands whether or
 * not it could be recorded, and the flag's value is never read, let alone written.
 */
import { asError } from '../core/errors.js';
import { readInitMarker } from '../local/local-init.js';
import { openLocalRuntime } from '../local/local-runtime.js';
import { resolveWingHome } from '../local/state-folder.js';

export async function auditRefusedInvocation(args: readonly string[], detail: string): Promise<void> {
  if (args.includes('--target=aws') || args.join(' ').includes('--target aws')) return;
  try {
    const home = resolveWingHome();
    if (!(await readInitMarker(home))) return;
    const runtime = await openLocalRuntime({ home, kind: 'temporary', quiet: true });
    try {
      await runtime.services.audit.append({ actor: claimedUsername(args) ?? process.env.WING_USERNAME ?? 'unknown', action: 'cli.refused', outcome: 'refused', detail, source: 'cli' });
    } finally {
      await runtime.close();
    }
  } catch (err) {
    // The contract's one error line is already out; a second only with --debug.
    if (args.includes('--debug')) process.stderr.write(`(the refusal could not be recorded in the audit trail: ${asError(err).message})\n`);
  }
}

function claimedUsername(args: readonly string[]): string | undefined {
  const i = args.findIndex((a) => a === '--username' || a.startsWith('--username='));
  if (i < 0) return undefined;
  const arg = args[i] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
  return value?.slice(0, 64);
}
