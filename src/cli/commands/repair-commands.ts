/**
 * The targeted restores (CONTRACT.md): `repair:component --component=C`, `auth:restore`,
 * `agent:restore --id=A [--backup-id=ID]` and `agent:reset-config [--id=A]` †. Each runs the
 * rollback state machine limited to its scope (lock, recovery mode, safety snapshot, verification,
 * recovery, events), so `rollback:status`, `rollback:logs` and `rollback:undo` apply to it as to
 * any rollback. Like the rollback commands: credentials, the plan on stderr, a confirmation,
 * then exactly the point shown.
 */
import type { Command } from 'commander';
import { loadLocalPlan } from '../../local/local-runtime.js';
import { resolveWingHome } from '../../local/state-folder.js';
import { REPAIR_COMMANDS, REPAIR_COMMAND_NAMES, repairRequestOf, type RepairArgs, type RepairCommandName } from '../../rollback/repair-commands.js';
import { runAction } from '../command-runner.js';
import { confirmOnTerminal, readCredentials } from '../credentials-input.js';
import { afterStart, credentialOptions, openOperations, resultOutput, showPlan, str } from './rollback-commands.js';

/** The flags each command takes beyond the credentials. */
const options: Record<RepairCommandName, (c: Command) => Command> = {
  'repair:component': (c) => c.option('--component <name>', 'the component to restore').option('--backup-id <id>', 'this recovery point instead of the newest verified one'),
  'auth:restore': (c) => c.option('--backup-id <id>', 'this recovery point instead of the newest verified one'),
  'agent:restore': (c) => c.option('--id <agentId>', 'the agent').option('--backup-id <id>', 'this recovery point instead of the newest verified one'),
  'agent:reset-config': (c) => c.option('--id <agentId>', 'only this agent (default: every agent)').option('--backup-id <id>', 'this recovery point instead of the newest verified one'),
};

export function registerRepairCommands(program: Command): Command[] {
  return REPAIR_COMMAND_NAMES.map((name) => {
    const command = options[name](credentialOptions(program.command(name).description(`${REPAIR_COMMANDS[name].description} †`)));
    return command.action(
      runAction(async (ctx, opts) => {
        const args: RepairArgs = { component: str(opts.component), agentId: str(opts.id), backupId: str(opts.backupId) };
        const reason = str(opts.reason) ?? '';
        // Bad flags (an unknown component, a malformed id) are refused before anyone is asked
        // for a password or any service starts: the plan is a file.
        const { choice, scope } = repairRequestOf(ctx.isAws ? (await ctx.open()).plan : await loadLocalPlan(resolveWingHome()), name, args);
        const what = scope.items?.description ?? scope.components.join(', ');
        const question = `Restore ${what}? Changes made to it since that point will be lost.`;
        const api = await ctx.adminApi();
        const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
        if (api) {
          await api.signIn(credentials);
          const planned = await api.planRepair({ command: name, ...args });
          showPlan(ctx, name, planned.recoveryPoint, planned.components, what);
          await confirmOnTerminal(ctx.flags.yes, question);
          const started = await api.startRepair({ command: name, ...args, reason, password: credentials.password, expectRecoveryPointId: planned.recoveryPoint.recoveryPointId });
          ctx.progress.step(`${name}: ${started.rollbackId} runs in the admin API of "npm start" (${api.apiUrl})`);
          return afterStart(ctx, api, started);
        }
        const ops = await openOperations(ctx);
        const initiator = await ops.authenticate({ ...credentials, source: 'cli' });
        const planned = await ops.plan(choice, scope);
        showPlan(ctx, name, planned.recoveryPoint, planned.components, what);
        await confirmOnTerminal(ctx.flags.yes, question);
        const result = await ops.startRollback(initiator, { backupId: planned.recoveryPoint.recoveryPointId, scope, reason, command: name, source: 'cli' });
        return resultOutput(ops, result);
      }),
    );
  });
}
