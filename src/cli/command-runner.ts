/**
 * Turns a command's action into a commander handler: builds the context from the global flags,
 * runs the action, writes the result or the error, sets the exit code, and always releases the
 * local services it opened.
 *
 * Start-up time: `wing` is one process per command (scripts, CI, the test suite spawn it hundreds
 * of times), so a run loads only what its command needs. A command module (`*-command(s).ts`)
 * declares its commands (names, flags, flag parsers, help) and imports nothing heavy; its actions
 * are in the matching `*-action(s).ts` module, which the handler imports once the command context
 * has accepted the global flags. What an action needs (services, AWS SDK clients, schemas) is
 * loaded from there on; `--help` and bad usage never load it.
 */
import type { Command } from 'commander';
import type { CommandContext, GlobalFlags } from './command-context.js';
import { writeError, writeResult, type CommandResult } from './output.js';

export type CommandAction = (ctx: CommandContext, opts: Record<string, unknown>) => Promise<CommandResult>;

/** The flags every command accepts (CONTRACT.md, "CLI"). */
export function withGlobalFlags(command: Command): Command {
  return command
    .option('--target <target>', 'local or aws', 'local')
    .option('--json', 'print exactly one JSON object on stdout')
    .option('--yes', 'do not ask for confirmation')
    .option('--no-wait', 'start a rollback and return its id')
    .option('--stack <name>', 'CloudFormation stack name (aws target)')
    .option('--region <region>', 'AWS region (aws target)')
    .option('--debug', 'show stack traces');
}

export function globalFlagsOf(opts: Record<string, unknown>): GlobalFlags {
  return {
    target: typeof opts.target === 'string' ? opts.target : 'local',
    json: opts.json === true,
    yes: opts.yes === true,
    wait: opts.wait !== false,
    debug: opts.debug === true,
    ...(typeof opts.stack === 'string' ? { stack: opts.stack } : {}),
    ...(typeof opts.region === 'string' ? { region: opts.region } : {}),
  };
}

/**
 * The handler of a command whose action `loadAction` imports when the command runs, e.g.
 * `runAction(async () => (await import('./backup-actions.js')).backupList)`.
 */
export function runAction(loadAction: () => Promise<CommandAction>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts<Record<string, unknown>>();
    const flags = globalFlagsOf(opts);
    let ctx: CommandContext | undefined;
    try {
      const context = await import('./command-context.js');
      ctx = new context.CommandContext(flags);
      // --no-wait without an owner's admin API is bad usage, refused before anything starts.
      if (!flags.wait) await ctx.adminApi();
      const action = await loadAction();
      const result = await action(ctx, opts);
      await ctx.close();
      process.exitCode = writeResult(result, ctx.output);
    } catch (err) {
      await ctx?.close().catch(() => undefined);
      process.exitCode = writeError(err, { json: flags.json, debug: flags.debug });
    }
  };
}
