/**
 * The rollback commands (CONTRACT.md, "Rollbacks"): `rollback:quick`, `rollback:full`,
 * `rollback:emergency`, `rollback:custom`, `restore:alternative` and `rollback:undo` run the
 * rollback state machine and wait for it, showing each step on stderr; `rollback:status`,
 * `rollback:logs` read; `rollback:cleanup` recovers after a crash. The actions are in
 * rollback-actions.ts, imported when one of these commands runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { ROLLBACK_COMMANDS, type RollbackCommandName } from '../../core/rollback-commands.js';
import { runAction } from '../command-runner.js';

function parseHours(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 24 * 366) throw new ValidationError(`--hours must be a number of hours from 0 to 8784, not "${value}"`);
  return n;
}

/** Flags of the commands whose point is not fixed by the command. */
const extraOptions: Partial<Record<RollbackCommandName, (c: Command) => Command>> = {
  'rollback:custom': (c) => c.option('--hours <n>', 'how old the point must be, in hours', parseHours),
  'restore:alternative': (c) => c.option('--backup-id <id>', 'the recovery point'),
};

export function credentialOptions(command: Command): Command {
  return command
    .option('--username <name>', 'administrator (or WING_USERNAME)')
    .option('--totp <code>', 'authentication code (or WING_TOTP)')
    .option('--reason <text>', 'why, for the audit trail and the rollback log');
}

export function registerRollbackCommands(program: Command): Command[] {
  const commands: Command[] = [];
  for (const [name, spec] of Object.entries(ROLLBACK_COMMANDS) as [RollbackCommandName, (typeof ROLLBACK_COMMANDS)[RollbackCommandName]][]) {
    const command = credentialOptions(program.command(name).description(`roll back to ${spec.description} †`));
    extraOptions[name]?.(command);
    command.action(runAction(async () => (await import('./rollback-actions.js')).rollbackTo(name)));
    commands.push(command);
  }

  commands.push(
    credentialOptions(program.command('rollback:undo').description('undo the latest rollback from its safety snapshot †'))
      .option('--rollback-id <id>', 'the rollback to undo (must be the latest)')
      .action(runAction(async () => (await import('./rollback-actions.js')).rollbackUndo)),
  );

  commands.push(
    program
      .command('rollback:status')
      .description('the current or given rollback: step, per-component progress, result')
      .option('--rollback-id <id>', 'a rollback id (default: the latest)')
      .action(runAction(async () => (await import('./rollback-actions.js')).rollbackStatus)),
  );

  commands.push(
    program
      .command('rollback:logs')
      .description("the rollback's log")
      .option('--rollback-id <id>', 'the rollback')
      .action(runAction(async () => (await import('./rollback-actions.js')).rollbackLogs)),
  );

  commands.push(
    credentialOptions(program.command('rollback:cleanup').description('after a crash: release a stale lock, return a dead rollback to its safety snapshot, leave recovery mode †')).action(
      runAction(async () => (await import('./rollback-actions.js')).rollbackCleanup),
    ),
  );
  return commands;
}
