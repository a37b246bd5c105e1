/**
 * The targeted restores (CONTRACT.md): `repair:component --component=C`, `auth:restore`,
 * `agent:restore --id=A [--backup-id=ID]` and `agent:reset-config [--id=A]` †. Each runs the
 * rollback state machine limited to its scope (lock, recovery mode, safety snapshot, verification,
 * recovery, events), so `rollback:status`, `rollback:logs` and `rollback:undo` apply to it as to
 * any rollback. Like the rollback commands: credentials, the plan on stderr, a confirmation,
 * then exactly the point shown. The action is in repair-actions.ts, imported when one of these
 * commands runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { REPAIR_COMMAND_NAMES, REPAIR_COMMANDS, type RepairCommandName } from '../../core/repair-command-names.js';
import { runAction } from '../command-runner.js';
import { credentialOptions } from './rollback-commands.js';

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
    return command.action(runAction(async () => (await import('./repair-actions.js')).repair(name)));
  });
}
