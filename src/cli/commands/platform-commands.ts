/**
 * `auth:clear-cache` † (end every WING session) and `agent:restart [--id=A]` † (reset agents'
 * runtime status and ask the agent runtime to restart them): src/rollback/platform-actions.ts.
 * Through the admin API of the running `npm start` (or the deployed one), else in this process;
 * either way checked, run under the rollback lock and audited by RollbackOperations.changeAs. The
 * actions are in platform-actions.ts, imported when one of these commands runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';
import { credentialOptions } from './rollback-commands.js';

export function registerPlatformCommands(program: Command): Command[] {
  const clear = credentialOptions(program.command('auth:clear-cache').description('invalidate all cached sessions and tokens: every WING session is revoked and users sign in again †')).action(
    runAction(async () => (await import('./platform-actions.js')).clearAuthCache),
  );
  const restart = credentialOptions(program.command('agent:restart').description('restart agents: reset their runtime status and emit the restart event †').option('--id <agentId>', 'only this agent (default: every agent)')).action(
    runAction(async () => (await import('./platform-actions.js')).restartAgents),
  );
  return [clear, restart];
}
