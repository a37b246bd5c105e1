/**
 * Turns a command's action into a commander handler: builds the context from the global flags,
 * runs the action, writes the result or the error, sets the exit code, and always releases the
 * local services it opened.
 */
import type { Command } from 'commander';
import { CommandContext, type GlobalFlags } from './command-context.js';
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

export function runAction(action: CommandAction): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts<Record<string, unknown>>();
    const flags = globalFlagsOf(opts);
    let ctx: CommandContext | undefined;
    try {
      ctx = new CommandContext(flags);
      // --no-wait without an owner's admin API is bad usage, refused before anything starts.
      if (!flags.wait) await ctx.adminApi();
      const result = await action(ctx, opts);
      await ctx.close();
      process.exitCode = writeResult(result, ctx.output);
    } catch (err) {
      await ctx?.close().catch(() => undefined);
      process.exitCode = writeError(err, { json: flags.json, debug: flags.debug });
    }
  };
}
