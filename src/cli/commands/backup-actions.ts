/** The actions of `backup:create`, `backup:list`, `backup:verify`, `backup:drill` (backup-commands.ts). */
import { recoveryPointSummary } from '../../core/catalog.js';
import { ExitCode, ValidationError } from '../../core/errors.js';
import { componentByName } from '../../core/plan.js';
import { drillAnswer, drillFailure } from '../../rollback/restore-drill.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes, table, type CommandResult } from '../output.js';

export async function backupCreate(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const runtime = await ctx.open();
  const type = opts.type as 'full' | 'incremental';
  if (typeof opts.component === 'string') {
    componentByName(runtime.plan, opts.component);
    ctx.progress.step(`snapshot of ${opts.component}`);
    const meta = await runtime.backups.createComponentSnapshot(opts.component, {
      type,
      onProgress: (p) => { ctx.progress.update(p.component, p.items, undefined, formatBytes(p.logicalBytes)); },
    });
    return {
      fields: { snapshotId: meta.snapshotId, component: meta.component, items: meta.itemCount, bytes: meta.storedBytes, verifiedAt: meta.verifiedAt },
      text: `snapshot ${meta.snapshotId} of ${meta.component}: ${meta.itemCount} items, ${formatBytes(meta.storedBytes)} added, verified`,
    };
  }
  ctx.progress.step('taking a recovery point of every component');
  const point = await runtime.backups.createRecoveryPoint({
    type,
    onProgress: (p) => {
      if (p.phase === 'snapshot') ctx.progress.update(p.component, p.items, p.estimatedItems, formatBytes(p.logicalBytes));
      else ctx.progress.step(p.phase === 'check' ? 'cross-component checks' : 'verifying every object the point references');
    },
  });
  const fields = {
    recoveryPointId: point.recoveryPointId,
    status: point.status,
    snapshots: point.snapshots.map((s) => ({ component: s.component, snapshotId: s.snapshotId, items: s.items, bytes: s.bytes })),
    verifiedAt: point.verifiedAt,
    checks: point.checks,
  };
  const text = [
    `recovery point ${point.recoveryPointId}: ${point.status}${point.verifiedAt ? ', verified' : ''}`,
    table(['component', 'snapshot', 'items', 'added'], point.snapshots.map((s) => [s.component, s.snapshotId, String(s.items), formatBytes(s.bytes)])),
  ].join('\n');
  if (point.status === 'Completed') return { fields, text };
  return {
    fields,
    text,
    exitCode: point.status === 'Corrupt' ? ExitCode.VerificationFailed : ExitCode.Failed,
    error: `recovery point ${point.recoveryPointId} is ${point.status}: ${point.error ?? point.checks.filter((c) => !c.ok).map((c) => `${c.component} ${c.name}: ${c.detail}`).join('; ')}`,
  };
}

export async function backupList(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const runtime = await ctx.open();
  const component = typeof opts.component === 'string' ? componentByName(runtime.plan, opts.component).name : undefined;
  if (opts.rebuild === true) {
    ctx.progress.step('rebuilding the catalog from the vault');
    await runtime.backups.rebuildCatalog();
  }
  const points = await runtime.backups.listRecoveryPoints();
  const rows = points.map((p) => {
    const snaps = p.snapshots.filter((s) => !component || s.component === component);
    return [
      p.recoveryPointId,
      p.createdAt.replace('T', ' ').slice(0, 19),
      p.type,
      p.status,
      p.verifiedAt ? p.verifiedAt.replace('T', ' ').slice(0, 19) : '-',
      String(snaps.reduce((n, s) => n + s.items, 0)),
      formatBytes(snaps.reduce((n, s) => n + s.bytes, 0)),
      p.lastDrill ? `${p.lastDrill.result} ${p.lastDrill.at.slice(0, 10)}` : '-',
      p.labels.demo === 'true' ? 'demo' : '',
    ];
  });
  return {
    fields: { recoveryPoints: points.map((p) => recoveryPointSummary(p, component)) },
    text: points.length === 0 ? 'no recovery points yet: run "npx wing backup:create"' : table(['recovery point', 'created (UTC)', 'type', 'status', 'verified', 'items', 'added', 'last drill', ''], rows),
  };
}

export async function backupVerify(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  if (opts.all === true && typeof opts.backupId === 'string') throw new ValidationError('give --backup-id or --all, not both');
  const runtime = await ctx.open();
  let outcomes;
  if (opts.all === true) {
    ctx.progress.step('verifying every recovery point');
    outcomes = await runtime.backups.verifyAll();
  } else {
    const id = typeof opts.backupId === 'string' ? opts.backupId : (await runtime.backups.listRecoveryPoints()).find((p) => p.status !== 'InProgress')?.recoveryPointId;
    if (!id) throw new ValidationError('there are no recovery points to verify: run "npx wing backup:create" first');
    await runtime.backups.getRecoveryPoint(id);
    ctx.progress.step(`verifying ${id}`);
    outcomes = [await runtime.backups.verifyRecoveryPoint(id)];
  }
  const problems = outcomes.flatMap((o) => o.problems.map((p) => ({ recoveryPointId: o.recoveryPointId, objectKey: p.objectKey ?? null, message: p.message })));
  const fields = { recoveryPoints: outcomes.map((o) => ({ recoveryPointId: o.recoveryPointId, ok: o.ok, status: o.status })), problems };
  const text = outcomes.map((o) => `${o.recoveryPointId}: ${o.ok ? 'verified' : `FAILED (${o.problems.length} problem(s))`}`).join('\n');
  if (problems.length === 0) return { fields, text };
  const first = problems[0];
  return {
    fields,
    text: `${text}\n${problems.map((p) => `  ${p.objectKey ?? p.recoveryPointId}: ${p.message}`).join('\n')}`,
    exitCode: ExitCode.VerificationFailed,
    error: `verification failed: ${first?.message ?? ''}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; the point is marked Corrupt`,
  };
}

export async function backupDrill(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const runtime = await ctx.open();
  const id = typeof opts.backupId === 'string' ? opts.backupId : undefined;
  if (id !== undefined) await runtime.backups.getRecoveryPoint(id);
  ctx.progress.step(`restore drill of ${id ?? 'the newest recovery point'} into scratch copies`);
  const outcome = await runtime.services.drills.run(id !== undefined ? { recoveryPointId: id } : {});
  const { record } = outcome;
  const fields = drillAnswer(outcome);
  const text = [
    `restore drill ${outcome.drillId} of ${outcome.recoveryPointId}: ${record.result.toUpperCase()} in ${(record.durationMs / 1000).toFixed(1)} s, ${String(record.items)} items`,
    table(['component', 'items', 'result', 'detail'], outcome.components.map((c) => [c.component, String(c.items), c.ok ? 'ok' : 'FAILED', c.detail])),
  ].join('\n');
  if (record.result === 'passed') return { fields, text };
  return { fields, text, exitCode: outcome.point.status === 'Corrupt' ? ExitCode.VerificationFailed : ExitCode.Failed, error: drillFailure(outcome) };
}
