/**
 * The rollback commands (CONTRACT.md, "Rollbacks"): `rollback:quick`, `rollback:full`,
 * `rollback:emergency`, `rollback:custom`, `restore:alternative` and `rollback:undo` run the
 * rollback state machine and wait for it, showing each step on stderr; `rollback:status`,
 * `rollback:logs` read; `rollback:cleanup` recovers after a crash.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ExitCode, ValidationError, type ExitCodeValue } from '../../core/errors.js';
import { localRollbackOperations } from '../../local/local-rollback.js';
import type { RollbackOperations, RollbackResult } from '../../rollback/rollback-operations.js';
import type { CommandContext } from '../command-context.js';
import { runAction } from '../command-runner.js';
import { readCredentials } from '../credentials-input.js';
import type { CommandResult } from '../output.js';
import { table } from '../output.js';

function parseHours(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 24 * 366) throw new ValidationError(`--hours must be a number of hours from 0 to 8784, not "${value}"`);
  return n;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** States worth a line on the step list (the announcements and choices are noise to an operator). */
function shownState(state: string): boolean {
  return !/^Announce|Done$|^OutcomeChoice$|^RestoreLevels?$|^RollbackSucceeded$|^ComponentRestored$/.test(state);
}

async function openOperations(ctx: CommandContext): Promise<RollbackOperations> {
  const runtime = await ctx.open();
  return localRollbackOperations(runtime, {
    onTransition: (_, t) => {
      if (t.type === 'StateEntered' && t.state && shownState(t.state)) ctx.progress.step(`  → ${t.state}${t.component ? ` ${t.component}` : ''}`);
      if (t.type === 'StateRetried' && t.state) ctx.progress.step(`  ↻ ${t.state} retried`);
      if (t.type === 'StateFailed' && t.state) ctx.progress.step(`  ✗ ${t.state}: ${t.cause ?? t.error ?? 'failed'}`);
    },
  });
}

/** Asks on a terminal unless --yes; scripts (no terminal) have said what they want with their flags. */
async function confirm(ctx: CommandContext, question: string): Promise<void> {
  if (ctx.flags.yes || (process.stdin.isTTY as boolean | undefined) !== true) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new ValidationError('cancelled: nothing was changed');
  } finally {
    rl.close();
  }
}

function exitCodeOfResult(result: RollbackResult): ExitCodeValue {
  if (result.success) return ExitCode.Success;
  if (result.errorName === 'IntegrityError') return ExitCode.VerificationFailed;
  if (result.errorName === 'ConflictError') return ExitCode.Conflict;
  return ExitCode.Failed;
}

async function resultOutput(ops: RollbackOperations, result: RollbackResult): Promise<CommandResult> {
  const status = await ops.status(result.rollbackId);
  const rows = status.components.map((c) => [c.component, c.phase, String(c.written), String(c.deleted), String(c.unchanged)]);
  return {
    fields: {
      rollbackId: result.rollbackId,
      recoveryPointId: result.recoveryPointId,
      phase: result.phase,
      message: result.message,
      ...(result.error !== undefined ? { error: result.error } : {}),
      warnings: result.warnings,
      components: status.components.map((c) => ({ component: c.component, phase: c.phase, written: c.written, deleted: c.deleted })),
    },
    text: [
      `${result.phase === 'Completed' ? 'Rollback completed' : `Rollback ${result.phase.toLowerCase()}`}: ${result.message}`,
      rows.length > 0 ? table(['component', 'phase', 'written', 'deleted', 'unchanged'], rows) : '',
      `rollback id ${result.rollbackId}; log: npx wing rollback:logs --rollback-id=${result.rollbackId}`,
    ]
      .filter((l) => l !== '')
      .join('\n'),
    exitCode: exitCodeOfResult(result),
    ...(result.success ? {} : { error: result.message }),
  };
}

interface RollbackCommandSpec {
  readonly name: string;
  readonly description: string;
  readonly mode: 'differential' | 'full';
  /** How the point is chosen from the flags. */
  readonly choice: (opts: Record<string, unknown>) => { hours: number } | { backupId: string };
  readonly reasonRequired?: boolean;
  readonly extra?: (command: Command) => Command;
}

const specs: RollbackCommandSpec[] = [
  { name: 'rollback:quick', description: 'roll back to the newest verified point ("previous version"), differential †', mode: 'differential', choice: () => ({ hours: 0 }) },
  { name: 'rollback:full', description: 'roll back to the newest verified point at least 24 h old, rewriting and verifying everything †', mode: 'full', choice: () => ({ hours: 24 }) },
  {
    name: 'rollback:emergency',
    description: 'roll back to the newest verified point at least 24 h old, differential; --reason required †',
    mode: 'differential',
    choice: () => ({ hours: 24 }),
    reasonRequired: true,
  },
  {
    name: 'rollback:custom',
    description: 'roll back to the newest verified point at least N hours old (N=0: the newest) †',
    mode: 'differential',
    choice: (opts) => {
      if (typeof opts.hours !== 'number') throw new ValidationError('rollback:custom needs --hours=N');
      return { hours: opts.hours };
    },
    extra: (c) => c.option('--hours <n>', 'how old the point must be, in hours', parseHours),
  },
  {
    name: 'restore:alternative',
    description: 'roll back to exactly this recovery point (verified, not Corrupt) †',
    mode: 'differential',
    choice: (opts) => {
      const id = str(opts.backupId);
      if (id === undefined) throw new ValidationError('restore:alternative needs --backup-id=ID ("npx wing backup:list" lists them)');
      return { backupId: id };
    },
    extra: (c) => c.option('--backup-id <id>', 'the recovery point'),
  },
];

function credentialOptions(command: Command): Command {
  return command
    .option('--username <name>', 'administrator (or WING_USERNAME)')
    .option('--totp <code>', 'authentication code (or WING_TOTP)')
    .option('--reason <text>', 'why, for the audit trail and the rollback log');
}

export function registerRollbackCommands(program: Command): Command[] {
  const commands: Command[] = [];
  for (const spec of specs) {
    const command = credentialOptions(program.command(spec.name).description(spec.description));
    spec.extra?.(command);
    command.action(
      runAction(async (ctx, opts) => {
        const choice = spec.choice(opts);
        const reason = str(opts.reason);
        if (spec.reasonRequired && (reason === undefined || reason.trim() === '')) throw new ValidationError(`${spec.name} needs --reason="why"`);
        const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
        const ops = await openOperations(ctx);
        // The contract's order: credentials before anything reads the data.
        const initiator = await ops.authenticate(credentials);
        const planned = await ops.plan(choice);
        const changes = planned.components.map((c) => `${c.component}: ${String(c.write)} to write, ${String(c.delete)} to delete`).join('; ');
        ctx.progress.step(`${spec.name}: to ${planned.recoveryPoint.recoveryPointId} (taken ${planned.recoveryPoint.createdAt}); changes since then are lost (${changes})`);
        await confirm(ctx, 'Roll the platform back? Changes made since that point will be lost.');
        // Exactly the point shown and confirmed.
        const result = await ops.startRollback(initiator, { backupId: planned.recoveryPoint.recoveryPointId, mode: spec.mode, reason: reason ?? '', command: spec.name });
        return resultOutput(ops, result);
      }),
    );
    commands.push(command);
  }

  commands.push(
    credentialOptions(program.command('rollback:undo').description('undo the latest rollback from its safety snapshot †'))
      .option('--rollback-id <id>', 'the rollback to undo (must be the latest)')
      .action(
        runAction(async (ctx, opts) => {
          const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
          const ops = await openOperations(ctx);
          const initiator = await ops.authenticate(credentials);
          await confirm(ctx, 'Undo the latest rollback? Changes made since it will be lost.');
          const result = await ops.startUndo(initiator, { ...(str(opts.rollbackId) !== undefined ? { rollbackId: str(opts.rollbackId) } : {}), ...(str(opts.reason) !== undefined ? { reason: str(opts.reason) } : {}) });
          return resultOutput(ops, result);
        }),
      ),
  );

  commands.push(
    program
      .command('rollback:status')
      .description('the current or given rollback: step, per-component progress, result')
      .option('--rollback-id <id>', 'a rollback id (default: the latest)')
      .action(
        runAction(async (ctx, opts) => {
          const ops = await openOperations(ctx);
          const s = await ops.status(str(opts.rollbackId));
          return {
            fields: {
              rollbackId: s.rollbackId,
              phase: s.phase,
              step: s.step,
              components: s.components.map((c) => ({ component: c.component, phase: c.phase, written: c.written, deleted: c.deleted })),
              kind: s.kind,
              recoveryPointId: s.recoveryPointId,
              initiator: s.initiator,
              reason: s.reason,
              requestedAt: s.requestedAt,
              finishedAt: s.finishedAt,
              message: s.message,
              warnings: s.warnings,
              systemMode: s.mode.mode,
            },
            text: [
              `${s.kind} ${s.rollbackId}: ${s.phase} at ${s.step} (by ${s.initiator}${s.reason ? `: ${s.reason}` : ''})`,
              `recovery point ${s.recoveryPointId ?? '-'}; system mode ${s.mode.mode}`,
              table(['component', 'phase', 'written', 'deleted', 'runs'], s.components.map((c) => [c.component, c.phase, String(c.written), String(c.deleted), String(c.runs)])),
              s.message,
              ...s.warnings.map((w) => `warning: ${w}`),
            ].join('\n'),
          };
        }),
      ),
  );

  commands.push(
    program
      .command('rollback:logs')
      .description("the rollback's log")
      .option('--rollback-id <id>', 'the rollback')
      .action(
        runAction(async (ctx, opts) => {
          const id = str(opts.rollbackId);
          if (id === undefined) throw new ValidationError('rollback:logs needs --rollback-id=ID ("npx wing rollback:status" shows the latest)');
          const ops = await openOperations(ctx);
          const log = await ops.logs(id);
          return { fields: { rollbackId: id, lines: log.split('\n').filter((l) => l !== '') }, text: log };
        }),
      ),
  );

  commands.push(
    credentialOptions(program.command('rollback:cleanup').description('after a crash: release a stale lock, return a dead rollback to its safety snapshot, leave recovery mode †')).action(
      runAction(async (ctx, opts) => {
        const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
        const ops = await openOperations(ctx);
        const r = await ops.cleanup({ ...credentials, ...(str(opts.reason) !== undefined ? { reason: str(opts.reason) } : {}) });
        return { fields: { rollbackId: r.rollbackId, actions: r.actions }, text: r.actions.map((a) => `- ${a}`).join('\n') };
      }),
    ),
  );
  return commands;
}
