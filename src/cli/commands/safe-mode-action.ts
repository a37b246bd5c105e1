/** The action of `system:safe-mode` (safe-mode-command.ts). */
import type { SystemModeState } from '../../core/system-mode.js';
import type { CommandContext } from '../command-context.js';
import { readCredentials } from '../credentials-input.js';
import type { CommandResult } from '../output.js';

export async function safeMode(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const enabled = opts.off !== true;
  const reason = typeof opts.reason === 'string' ? opts.reason : '';
  const api = await ctx.adminApi();
  const credentials = await readCredentials({ username: typeof opts.username === 'string' ? opts.username : undefined, totp: typeof opts.totp === 'string' ? opts.totp : undefined });
  let mode: Pick<SystemModeState, 'mode' | 'changedAt' | 'reason'>;
  if (api) {
    await api.signIn(credentials);
    mode = await api.safeMode({ enabled, reason, password: credentials.password });
    await api.signOut();
  } else {
    const ops = await ctx.operations();
    mode = await ops.setSafeMode(await ops.authenticate({ ...credentials, source: 'cli' }), { enabled, reason, source: 'cli' });
  }
  return {
    fields: { mode: mode.mode, changedAt: mode.changedAt, reason: mode.reason },
    text: `system mode: ${mode.mode} (since ${mode.changedAt}: ${mode.reason})`,
  };
}
