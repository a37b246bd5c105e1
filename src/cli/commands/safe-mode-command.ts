/**
 * `system:safe-mode [--off]` †: enter or leave safe mode (read-only except for administrators,
 * schedules paused). Through the owner's admin API when `npm start` runs, so it is signed in,
 * audited and limited like the portal's switch.
 */
import type { Command } from 'commander';
import type { SystemModeState } from '../../core/system-mode.js';
import { runAction } from '../command-runner.js';
import { readCredentials } from '../credentials-input.js';

export function registerSafeMode(program: Command): Command {
  return program
    .command('system:safe-mode')
    .description('enter safe mode (read-only except for administrators, schedules paused), or leave it with --off †')
    .option('--off', 'leave safe mode')
    .option('--username <name>', 'administrator (or WING_USERNAME)')
    .option('--totp <code>', 'authentication code (or WING_TOTP)')
    .option('--reason <text>', 'why, for the audit trail')
    .action(
      runAction(async (ctx, opts) => {
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
      }),
    );
}
