/**
 * The actions of `vision-lake:status`, `vision-lake:verify` and `resync:vision-lake`
 * (vision-lake-commands.ts), and the shape of their results.
 */
import { ZstdCompressor } from '../../adapters/zstd-compressor.js';
import { ExitCode } from '../../core/errors.js';
import type { VaultDeps } from '../../core/snapshot/vault-reader.js';
import { loadLocalPlan } from '../../local/local-plan.js';
import type { LocalRuntime } from '../../local/local-runtime.js';
import { resolveWingHome } from '../../local/state-folder.js';
import {
  describeResync,
  visionLakeComponent,
  VisionLakeMaintenance,
  type DriftCounts,
  type MaintenanceProgress,
  type ResyncReport,
  type VisionLakeStatus,
} from '../../rollback/vision-lake-maintenance.js';
import type { CommandContext } from '../command-context.js';
import { confirmOnTerminal, readCredentials } from '../credentials-input.js';
import { table, type CommandResult } from '../output.js';
import { str } from './rollback-actions.js';

/** The local vault, for status's drift (with --target aws the CLI holds no vault keys). */
function localVault(runtime: LocalRuntime): VaultDeps {
  return { store: runtime.vaultStore, keys: runtime.keys, compressor: new ZstdCompressor(runtime.plan.compressionLevel) };
}

function progressOf(ctx: CommandContext): (p: MaintenanceProgress) => void {
  const labels = { backup: 'last backup', documents: 'documents', index: 'index entries' } as const;
  return (p) => { ctx.progress.update(labels[p.phase], p.done, undefined); };
}

/** Refuses a plan without one vision-lake component before any service starts (the plan is a file). */
async function checkPlan(ctx: CommandContext): Promise<void> {
  if (!ctx.isAws) visionLakeComponent(await loadLocalPlan(resolveWingHome()));
}

async function readMaintenance(ctx: CommandContext): Promise<VisionLakeMaintenance> {
  const runtime = await ctx.open();
  const vault = ctx.isAws ? undefined : localVault(await ctx.openLocal());
  return new VisionLakeMaintenance({ plan: runtime.plan, sources: runtime.services.sources, backups: runtime.backups, vault, clock: runtime.services.clock });
}

function driftText(name: string, d: DriftCounts): string {
  return `${name}: ${String(d.added)} added, ${String(d.changed)} changed, ${String(d.deleted)} deleted, ${String(d.unchanged)} unchanged`;
}

function backupLines(s: VisionLakeStatus): string[] {
  if (!s.lastBackup) return [`last backup: none (${s.driftNote ?? 'no recovery point'})`];
  const b = s.lastBackup;
  const lines = [`last backup: ${b.recoveryPointId} at ${b.createdAt} (${b.status}${b.verified ? ', verified' : ', not verified'}; ${String(b.items)} records)`];
  if (s.drift) lines.push('drift since it:', `  ${driftText('index items', s.drift.items)}`, `  ${driftText('documents', s.drift.documents)}`);
  else lines.push(`drift since it: unknown (${s.driftNote ?? 'not computed'})`);
  return lines;
}

export function statusResult(s: VisionLakeStatus): CommandResult {
  const counts = [
    ['index entries', String(s.entries)],
    ['documents', String(s.documents)],
    ['entries without document', String(s.entriesWithoutDocument)],
    ['documents without entry', String(s.documentsWithoutEntry)],
    ['digest mismatches', String(s.digestMismatches)],
  ];
  const text = [
    `${s.component}: ${s.inSync ? 'index and documents in sync' : 'index and documents DISAGREE'}`,
    table(['', 'count'], counts),
    ...backupLines(s),
    ...(s.problems.length > 0 ? ['problems:', ...s.problems.map((p) => `  - ${p}`)] : []),
  ].join('\n');
  const fields = { ...s };
  if (s.inSync) return { fields, text };
  return {
    fields,
    text,
    exitCode: ExitCode.Failed,
    error:
      `${s.component} index and documents disagree: ${String(s.entriesWithoutDocument)} entry(ies) without document, ${String(s.documentsWithoutEntry)} document(s) without entry, ${String(s.digestMismatches)} digest mismatch(es) (first: ${s.problems[0] ?? '?'}); ` +
      '"npx wing resync:vision-lake" rebuilds the index from the documents',
  };
}

export function resyncResult(r: ResyncReport, force: boolean): CommandResult {
  const lines = [
    `${r.component}: resync of ${String(r.entries)} index entries against ${String(r.documents)} documents`,
    `  created ${String(r.created)}, updated ${String(r.updated)}, orphans removed ${String(r.orphansRemoved)}, kept ${String(r.orphansKept)}`,
    ...r.orphans.map((o) => `  orphan ${o}${force ? ' (removed)' : ' (kept)'}`),
    ...r.conflicts.map((c) => `  conflict: ${c}`),
  ];
  if (r.orphansKept > 0) lines.push(`${String(r.orphansKept)} index entr(ies) name a document that is gone: "npx wing resync:vision-lake --force" removes them, "npx wing repair:component --component=${r.component}" restores the documents from a backup`);
  const fields = { ...r };
  if (r.conflicts.length === 0) return { fields, text: lines.join('\n') };
  return {
    fields,
    text: lines.join('\n'),
    exitCode: ExitCode.Failed,
    error: `${String(r.conflicts.length)} document(s) were left without an index entry: ${r.conflicts[0] ?? ''}; fix that entry by hand and run resync again`,
  };
}

export async function visionLakeStatus(ctx: CommandContext): Promise<CommandResult> {
  await checkPlan(ctx);
  const maintenance = await readMaintenance(ctx);
  ctx.progress.step(`reading ${maintenance.component.name}`);
  return statusResult(await maintenance.status({ onProgress: progressOf(ctx) }));
}

export async function visionLakeVerify(ctx: CommandContext): Promise<CommandResult> {
  await checkPlan(ctx);
  const maintenance = await readMaintenance(ctx);
  ctx.progress.step(`re-hashing every document of ${maintenance.component.name}`);
  const v = await maintenance.verify({ onProgress: progressOf(ctx) });
  return { fields: { ...v }, text: `${v.component}: ${String(v.entries)} index entries and ${String(v.documents)} documents agree (every body re-hashed)` };
}

export async function resyncVisionLake(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const force = opts.force === true;
  const reason = str(opts.reason) ?? '';
  await checkPlan(ctx);
  const api = await ctx.adminApi();
  const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
  if (api) {
    // Through the owner's (or the deployed) API: the same sign-in, limits and audit as the portal.
    await api.signIn(credentials);
    try {
      if (force) await confirmOnTerminal(ctx.flags.yes, 'Remove every index entry whose document is gone? Agents will no longer find those entries.');
      return resyncResult(await api.resyncVisionLake<ResyncReport>({ force, ...(reason !== '' ? { reason } : {}), password: credentials.password }), force);
    } finally {
      await api.signOut();
    }
  }
  const ops = await ctx.operations();
  const initiator = await ops.authenticate({ ...credentials, source: 'cli' });
  if (force) await confirmOnTerminal(ctx.flags.yes, 'Remove every index entry whose document is gone? Agents will no longer find those entries.');
  const s = ops.services;
  const maintenance = new VisionLakeMaintenance({ plan: s.plan, sources: s.sources, backups: s.backups, clock: s.clock });
  ctx.progress.step(`resync of ${maintenance.component.name}${force ? ' (removing orphans)' : ''}`);
  const report = await ops.changeAs(initiator, 'vision-lake.resync', { reason, source: 'cli' }, describeResync, () => maintenance.resync({ force, onProgress: progressOf(ctx) }));
  return resyncResult(report, force);
}
