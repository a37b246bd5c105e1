/**
 * The actions of the rollback commands (rollback-commands.ts), and what the repair, platform and
 * vision-lake actions share with them: credentials, the plan shown, following a rollback.
 */
import { AuthenticationError, ExitCode, NotFoundError, ValidationError, WingError, type ExitCodeValue } from '../../core/errors.js';
import type { ExecutionStep } from '../../core/execution-history.js';
import { isFinished } from '../../core/rollback-journal.js';
import { stepOfTransition } from '../../local/local-execution-history.js';
import type { AdminApiClient } from '../../api/admin-api-client.js';
import type { RollbackStatusResponse } from '../../api/api-schemas.js';
import type { Credentials } from '../../core/credentials.js';
import { ROLLBACK_COMMANDS, rollbackRequestOf, type RollbackCommandName } from '../../core/rollback-commands.js';
import type { RollbackOperations, RollbackResult } from '../../rollback/rollback-operations.js';
import type { CommandContext } from '../command-context.js';
import type { CommandAction } from '../command-runner.js';
import { confirmOnTerminal, readCredentials } from '../credentials-input.js';
import type { CommandResult } from '../output.js';
import { table } from '../output.js';

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** States worth a line on the step list (the announcements and choices are noise to an operator). */
function shownState(state: string): boolean {
  return !/^Announce|Done$|^OutcomeChoice$|^RestoreLevels?$|^RollbackSucceeded$|^ComponentRestored$/.test(state);
}

/** One line of the step list on stderr, whether the step comes from this process's runner or from the API. */
function showStep(ctx: CommandContext, step: ExecutionStep): void {
  if (step.status === 'entered' && shownState(step.state)) ctx.progress.step(`  → ${step.state}${step.component ? ` ${step.component}` : ''}`);
  if (step.status === 'retried') ctx.progress.step(`  ↻ ${step.state} retried`);
  if (step.status === 'failed') ctx.progress.step(`  ✗ ${step.state}: ${step.detail ?? 'failed'}`);
}

export async function openOperations(ctx: CommandContext): Promise<RollbackOperations> {
  return ctx.operations({
    onTransition: (_, t) => {
      const step = stepOfTransition(t);
      if (step) showStep(ctx, step);
    },
  });
}

function exitCodeOfResult(result: { success: boolean; errorName?: string | undefined }): ExitCodeValue {
  if (result.success) return ExitCode.Success;
  if (result.errorName === 'IntegrityError') return ExitCode.VerificationFailed;
  if (result.errorName === 'ConflictError') return ExitCode.Conflict;
  return ExitCode.Failed;
}

/** The outcome of a rollback, waited for or not, as the contract's shape and a text for people. */
export function outcomeOutput(r: {
  success: boolean;
  rollbackId: string;
  recoveryPointId: string | null;
  phase: string;
  message: string;
  error?: string | undefined;
  errorName?: string | undefined;
  warnings: readonly string[];
  components: readonly { component: string; phase: string; written: number; deleted: number; unchanged: number }[];
}): CommandResult {
  const rows = r.components.map((c) => [c.component, c.phase, String(c.written), String(c.deleted), String(c.unchanged)]);
  const running = r.phase === 'Pending' || r.phase === 'InProgress';
  return {
    fields: {
      rollbackId: r.rollbackId,
      recoveryPointId: r.recoveryPointId,
      phase: r.phase,
      message: r.message,
      ...(r.error !== undefined ? { error: r.error } : {}),
      warnings: r.warnings,
      components: r.components.map((c) => ({ component: c.component, phase: c.phase, written: c.written, deleted: c.deleted })),
    },
    text: [
      running ? `Rollback ${r.rollbackId} started (${r.phase}); follow it with: npx wing rollback:status --rollback-id=${r.rollbackId}` : `${r.phase === 'Completed' ? 'Rollback completed' : `Rollback ${r.phase.toLowerCase()}`}: ${r.message}`,
      rows.length > 0 ? table(['component', 'phase', 'written', 'deleted', 'unchanged'], rows) : '',
      `rollback id ${r.rollbackId}; log: npx wing rollback:logs --rollback-id=${r.rollbackId}`,
    ]
      .filter((l) => l !== '')
      .join('\n'),
    exitCode: exitCodeOfResult(r),
    ...(r.success ? {} : { error: r.message }),
  };
}

/** Shows the point and what will be lost, on stderr (stdout carries only the result). */
export function showPlan(ctx: CommandContext, command: string, point: { recoveryPointId: string; createdAt: string }, components: readonly { component: string; write: number; delete: number }[], scope?: string): void {
  const changes = components.map((c) => `${c.component}: ${String(c.write)} to write, ${String(c.delete)} to delete`).join('; ');
  ctx.progress.step(`${command}: ${scope !== undefined ? `${scope} ` : ''}to ${point.recoveryPointId} (taken ${point.createdAt}); changes since then are lost (${changes})`);
}

const POLL_MS = 1000;
/** How long the follower keeps trying through failures of the API before it says so. */
const FOLLOW_PATIENCE_MS = 120_000;

/** What the follower needs of a rollback's state, from the API or read directly. */
type FollowedStatus = Pick<RollbackStatusResponse, 'rollbackId' | 'kind' | 'phase' | 'finished' | 'recoveryPointId' | 'message' | 'error' | 'errorName' | 'warnings' | 'components'> & { steps: RollbackStatusResponse['steps'] };

/** The state of a rollback read without the API (no session needed: the unmarked read path). */
async function readDirectly(ctx: CommandContext, rollbackId: string): Promise<FollowedStatus> {
  const status = await (await ctx.operations()).status(rollbackId);
  return {
    rollbackId,
    kind: status.kind,
    phase: status.phase,
    finished: isFinished(status.phase),
    recoveryPointId: status.recoveryPointId,
    message: status.message,
    ...(status.error ? { error: status.error.message, errorName: status.error.name } : {}),
    warnings: [...status.warnings],
    components: status.components.map((c) => ({ component: c.component, phase: c.phase, written: c.written, deleted: c.deleted, unchanged: c.unchanged })),
    steps: [],
  };
}

/**
 * Follows a rollback the admin API runs, showing each new step on stderr, until it ends. The
 * rollback does not depend on this command: killed, it goes on in the API's process. When the
 * session ends first (a rollback longer than the session), the follower goes on reading the
 * rollback's record directly, without the step list; failures of the API are retried for a
 * while, then it says how to follow the rollback, which still runs.
 */
async function followViaApi(ctx: CommandContext, api: AdminApiClient, rollbackId: string): Promise<FollowedStatus> {
  let shown = 0;
  let direct = false;
  let failingSince: number | undefined;
  for (;;) {
    let status: FollowedStatus;
    try {
      status = direct ? await readDirectly(ctx, rollbackId) : await api.status(rollbackId);
      failingSince = undefined;
    } catch (err) {
      if (!direct && err instanceof AuthenticationError) {
        ctx.progress.step(`  (${err.message}: following ${rollbackId} from its record, without the step list)`);
        direct = true;
        continue;
      }
      if (err instanceof NotFoundError || err instanceof ValidationError) throw err;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > FOLLOW_PATIENCE_MS) {
        throw new WingError(`lost track of rollback ${rollbackId} (${err instanceof Error ? err.message : String(err)}); it goes on: follow it with "npx wing rollback:status --rollback-id=${rollbackId}"`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 3));
      continue;
    }
    for (const step of status.steps.slice(shown)) showStep(ctx, step);
    if (!direct) shown = status.steps.length;
    if (status.finished) return status;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function apiOutcome(status: FollowedStatus): CommandResult {
  const success = status.phase === 'Completed' || (status.phase === 'Undone' && status.kind === 'rollback');
  return outcomeOutput({ ...status, success });
}

/**
 * A † rollback command through the admin API of the running \`npm start\`: sign in (password and
 * code, once), show the plan, confirm, start exactly the point shown, then follow it (or return
 * at once with --no-wait).
 */
async function rollbackViaApi(ctx: CommandContext, api: AdminApiClient, credentials: Credentials, command: RollbackCommandName, args: { hours?: number | undefined; backupId?: string | undefined; reason: string }): Promise<CommandResult> {
  const choice = rollbackRequestOf(command, args);
  await api.signIn(credentials);
  const planned = await api.plan(choice);
  showPlan(ctx, command, planned.recoveryPoint, planned.components);
  await confirmOnTerminal(ctx.flags.yes, 'Roll the platform back? Changes made since that point will be lost.');
  const started = await api.startRollback({
    command,
    ...(command === 'rollback:custom' && args.hours !== undefined ? { hours: args.hours } : {}),
    ...(command === 'restore:alternative' && args.backupId !== undefined ? { backupId: args.backupId } : {}),
    reason: args.reason,
    password: credentials.password,
    expectRecoveryPointId: planned.recoveryPoint.recoveryPointId,
  });
  ctx.progress.step(`${command}: ${started.rollbackId} runs in the admin API of "npm start" (${api.apiUrl})`);
  return afterStart(ctx, api, started);
}

export async function afterStart(ctx: CommandContext, api: AdminApiClient, started: { rollbackId: string; recoveryPointId: string | null; phase: string; message: string }): Promise<CommandResult> {
  try {
    if (!ctx.flags.wait) return outcomeOutput({ ...started, success: true, warnings: [], components: [] });
    return apiOutcome(await followViaApi(ctx, api, started.rollbackId));
  } finally {
    await api.signOut();
  }
}

export async function resultOutput(ops: RollbackOperations, result: RollbackResult): Promise<CommandResult> {
  const status = await ops.status(result.rollbackId);
  return outcomeOutput({ ...result, components: status.components });
}

/** The action of a rollback command: `rollback:quick`, `rollback:full`, ..., `restore:alternative`. */
export function rollbackTo(name: RollbackCommandName): CommandAction {
  return async (ctx, opts) => {
    const args = { hours: typeof opts.hours === 'number' ? opts.hours : undefined, backupId: str(opts.backupId), reason: str(opts.reason) ?? '' };
    // Bad flags are refused before anyone is asked for a password.
    const choice = rollbackRequestOf(name, args);
    const api = await ctx.adminApi();
    const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
    if (api) return rollbackViaApi(ctx, api, credentials, name, args);
    const ops = await openOperations(ctx);
    // The contract's order: credentials before anything reads the data.
    const initiator = await ops.authenticate({ ...credentials, source: 'cli' });
    const planned = await ops.plan(choice);
    showPlan(ctx, name, planned.recoveryPoint, planned.components);
    await confirmOnTerminal(ctx.flags.yes, 'Roll the platform back? Changes made since that point will be lost.');
    // Exactly the point shown and confirmed.
    const result = await ops.startRollback(initiator, { backupId: planned.recoveryPoint.recoveryPointId, mode: ROLLBACK_COMMANDS[name].mode, reason: args.reason, command: name, source: 'cli' });
    return resultOutput(ops, result);
  };
}

export async function rollbackUndo(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const api = await ctx.adminApi();
  const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
  const request = { ...(str(opts.rollbackId) !== undefined ? { rollbackId: str(opts.rollbackId) } : {}), ...(str(opts.reason) !== undefined ? { reason: str(opts.reason) } : {}) };
  if (api) {
    await api.signIn(credentials);
    await confirmOnTerminal(ctx.flags.yes, 'Undo the latest rollback? Changes made since it will be lost.');
    return afterStart(ctx, api, await api.undo({ ...request, password: credentials.password }));
  }
  const ops = await openOperations(ctx);
  const initiator = await ops.authenticate({ ...credentials, source: 'cli' });
  await confirmOnTerminal(ctx.flags.yes, 'Undo the latest rollback? Changes made since it will be lost.');
  const result = await ops.startUndo(initiator, { ...request, source: 'cli' });
  return resultOutput(ops, result);
}

export async function rollbackStatus(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
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
}

export async function rollbackLogs(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const id = str(opts.rollbackId);
  if (id === undefined) throw new ValidationError('rollback:logs needs --rollback-id=ID ("npx wing rollback:status" shows the latest)');
  const ops = await openOperations(ctx);
  const log = await ops.logs(id);
  return { fields: { rollbackId: id, lines: log.split('\n').filter((l) => l !== '') }, text: log };
}

export async function rollbackCleanup(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const api = await ctx.adminApi();
  const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
  const reason = str(opts.reason) !== undefined ? { reason: str(opts.reason) } : {};
  let r: { rollbackId: string | null; actions: string[] };
  if (api) {
    await api.signIn(credentials);
    r = await api.cleanup({ ...reason, password: credentials.password });
    await api.signOut();
  } else {
    r = await (await openOperations(ctx)).cleanup({ ...credentials, ...reason, source: 'cli' });
  }
  return { fields: { rollbackId: r.rollbackId, actions: r.actions }, text: r.actions.map((a) => `- ${a}`).join('\n') };
}
