/** The action of `retention:apply` (retention-command.ts). */
import type { RetentionReport } from '../../rollback/backup-manager.js';
import type { CommandContext } from '../command-context.js';
import { readCredentials } from '../credentials-input.js';
import { formatBytes, type CommandResult } from '../output.js';

export async function retentionApply(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const dryRun = opts.dryRun === true;
  const credentials = dryRun
    ? undefined
    : await readCredentials({ username: typeof opts.username === 'string' ? opts.username : undefined, totp: typeof opts.totp === 'string' ? opts.totp : undefined });
  const reason = typeof opts.reason === 'string' ? { reason: opts.reason } : {};
  let report: RetentionReport;
  const api = credentials ? await ctx.adminApi() : undefined;
  if (credentials && api) {
    // † through the owner's admin API: the same sign-in, audit and lock as the portal.
    await api.signIn(credentials);
    report = (await api.applyRetention({ ...reason, password: credentials.password })).report;
    await api.signOut();
  } else {
    const runtime = await ctx.open();
    if (credentials) {
      const ops = await ctx.operations();
      report = await ops.applyRetentionAs(await ops.authenticate({ ...credentials, source: 'cli' }), { ...reason, source: 'cli' });
    } else {
      report = await runtime.backups.applyRetention({ dryRun });
    }
  }
  const kept = report.decisions.filter((d) => d.keep);
  const lines = report.decisions.map((d) => `${d.keep ? 'keep  ' : 'delete'} ${d.recoveryPointId}${d.keep ? `  (${d.reasons.join(', ')})` : ''}`);
  lines.push(
    dryRun
      ? `dry run: ${report.deletedRecoveryPoints.length} point(s) would be deleted, ${kept.length} kept`
      : `deleted ${report.deletedRecoveryPoints.length} point(s) and ${report.deletedObjects} object(s), repacked ${report.repackedPacks} pack(s), freed ${formatBytes(report.freedBytes)}`,
  );
  return {
    fields: {
      dryRun,
      kept: kept.map((d) => ({ recoveryPointId: d.recoveryPointId, reasons: d.reasons })),
      deletedRecoveryPoints: report.deletedRecoveryPoints,
      deletedSnapshots: report.deletedSnapshots,
      deletedObjects: report.deletedObjects,
      freedBytes: report.freedBytes,
      repackedPacks: report.repackedPacks,
    },
    text: lines.join('\n'),
  };
}
