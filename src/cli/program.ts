/**
 * The `wing` command line (CONTRACT.md, "CLI"). Commands are named like their npm scripts
 * (`backup:create`); `wing backup create` is accepted too. Unknown flags and a `--password` flag
 * are bad usage (exit 2), reported on one line.
 *
 * Only the commands' declarations are imported here: each command's action, and what it needs,
 * is imported when that command runs (start-up time of a process per command: command-runner.ts).
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, ValidationError } from '../core/errors.js';
import { registerBackupCreate, registerBackupDrill, registerBackupList, registerBackupVerify } from './commands/backup-commands.js';
import { registerInit } from './commands/init-command.js';
import { registerPlanShow } from './commands/plan-command.js';
import { registerRetentionApply } from './commands/retention-command.js';
import { registerRollbackCommands } from './commands/rollback-commands.js';
import { registerAuditList } from './commands/audit-command.js';
import { registerAuthResetAdmin } from './commands/auth-reset-admin-command.js';
import { registerAuditVerify } from './commands/audit-verify-command.js';
import { registerAuditReport } from './commands/audit-report-command.js';
import { registerHealthCheck } from './commands/health-command.js';
import { registerKeysExport, registerKeysImport } from './commands/keys-commands.js';
import { registerRepairCommands } from './commands/repair-commands.js';
import { registerVisionLakeCommands } from './commands/vision-lake-commands.js';
import { registerPlatformCommands } from './commands/platform-commands.js';
import { registerRollbackPlan } from './commands/rollback-plan-command.js';
import { registerSafeMode } from './commands/safe-mode-command.js';
import { registerStart } from './commands/start-command.js';
import { withGlobalFlags } from './command-runner.js';
import { writeError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('wing')
    .description('WING Rollback: backup and emergency rollback of the WING platform')
    .showHelpAfterError(false)
    .exitOverride()
    // Commander's own error lines are replaced by ours (one line, our wording); help still shows.
    .configureOutput({ outputError: () => undefined });
  for (const register of [registerInit, registerPlanShow, registerBackupCreate, registerBackupList, registerBackupVerify, registerBackupDrill, registerRetentionApply, registerRollbackPlan, registerSafeMode, registerHealthCheck, registerAuditList, registerAuditVerify, registerAuthResetAdmin, registerAuditReport, registerKeysExport, registerKeysImport]) {
    withGlobalFlags(register(program)).exitOverride();
  }
  for (const command of [...registerRollbackCommands(program), ...registerRepairCommands(program), ...registerVisionLakeCommands(program), ...registerPlatformCommands(program)]) withGlobalFlags(command).exitOverride();
  registerStart(program).exitOverride();
  return program;
}

/** `wing backup create` → `wing backup:create` when that command exists. */
export function normaliseArgs(args: readonly string[], commandNames: ReadonlySet<string>): string[] {
  const [group, command, ...rest] = args;
  if (group && command && !group.startsWith('-') && !command.startsWith('-') && commandNames.has(`${group}:${command}`)) {
    return [`${group}:${command}`, ...rest];
  }
  return [...args];
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  const json = args.includes('--json');
  const debug = args.includes('--debug');
  if (args.some((a) => a === '--password' || a.startsWith('--password='))) {
    const code = writeError(new ValidationError('a password is never given as a flag (it would land in shell history): set WING_PASSWORD or answer the prompt'), { json, debug });
    const { auditRefusedInvocation } = await import('./refused-invocation.js');
    await auditRefusedInvocation(args, `${args[0] ?? 'a command'} refused: a password was given as a flag (its value was not read; change that password if the command line was seen by others)`);
    return code;
  }
  const program = buildProgram();
  const names = new Set(program.commands.map((c) => c.name()));
  try {
    await program.parseAsync(normaliseArgs(args, names), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Success;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Success;
      // No command at all: the help went to stderr; that is bad usage.
      if (err.code === 'commander.help') return ExitCode.BadUsage;
      const message = err.message.replace(/^error: /, '');
      return writeError(new ValidationError(`${message}; run "npx wing --help" for the commands and flags`), { json, debug });
    }
    return writeError(err, { json, debug });
  }
}
