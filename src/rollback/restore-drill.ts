/**
 * Restore drills: proof that a recovery point really restores. A drill restores every snapshot of
 * a point into scratch copies (empty tables shaped like the live ones, a prefix of the vault
 * bucket), re-hashes what it wrote against each stream's content digest, runs the components'
 * validators on the copies, records the proof on the point (when, how long, how many items, the
 * result), and removes the copies whatever happens. Live data is never read or written, so a
 * drill can run at any time; it holds a backup lease so that retention cannot prune the objects it
 * reads.
 *
 * A passed drill marks the point verified. Damage (an object that does not decrypt or hash, a
 * copy whose digest differs, a validator that fails on the copy) marks it Corrupt, emits
 * `DrillFailed` and notifies the administrators. A drill that could not run to the end for
 * another reason is recorded and notified as failed without judging the point.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { AwsComponentSources, type LiveStream } from '../adapters/component-sources.js';
import { ScratchCopies } from '../adapters/scratch-copies.js';
import { semanticsOf } from '../components/index.js';
import { liveView } from '../components/live-view.js';
import { newId, type CheckResult, type DrillRecord, type RecoveryPointRecord } from '../core/catalog.js';
import { asError, IntegrityError, NotFoundError, WingError } from '../core/errors.js';
import { EVENT_VERSION, type EventPublisher } from '../core/events.js';
import { noticeSubject, type Notifier } from '../core/notifications.js';
import { restoreOrder, type ComponentPlan, type Plan, type Source } from '../core/plan.js';
import type { Clock } from '../core/ports.js';
import { SnapshotRestorer } from '../core/snapshot/snapshot-restorer.js';
import type { BackupManager } from './backup-manager.js';

export interface RestoreDrillDeps {
  readonly plan: Plan;
  readonly backups: BackupManager;
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  readonly events: EventPublisher;
  readonly notifier: Notifier;
  readonly clock: Clock;
}

/** What one component's copy showed. */
export interface DrillComponentResult {
  readonly component: string;
  readonly items: number;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DrillOutcome {
  readonly drillId: string;
  readonly recoveryPointId: string;
  readonly record: DrillRecord;
  readonly components: DrillComponentResult[];
  /** The point as it is after the drill (verified, or Corrupt). */
  readonly point: RecoveryPointRecord;
  /** Drills that had died and left scratch copies, whose copies this drill removed first. */
  readonly leftoversRemoved: readonly string[];
}

/** A drill's outcome as the CLI's `--json` and the admin API answer it. */
export function drillAnswer(outcome: DrillOutcome) {
  const { record } = outcome;
  return {
    drillId: outcome.drillId,
    recoveryPointId: outcome.recoveryPointId,
    result: record.result,
    durationMs: record.durationMs,
    items: record.items,
    status: outcome.point.status,
    verifiedAt: outcome.point.verifiedAt,
    components: outcome.components,
    detail: record.detail,
    leftoversRemoved: outcome.leftoversRemoved,
  };
}

/** What a failed drill says in one line: the first problem, and what became of the point. */
export function drillFailure(outcome: DrillOutcome): string {
  const corrupt = outcome.point.status === 'Corrupt';
  return `restore drill failed: ${outcome.record.detail.split('\n')[0] ?? ''}${corrupt ? `; ${outcome.recoveryPointId} is marked Corrupt` : '; run it again'}`;
}

/** Points a drill can restore: those whose snapshots were all taken. */
function drillable(point: RecoveryPointRecord): boolean {
  return point.status !== 'InProgress' && point.status !== 'Failed' && point.snapshots.length > 0;
}

export class RestoreDrill {
  constructor(private readonly deps: RestoreDrillDeps) {}

  /**
   * Drills `recoveryPointId`, or the newest point that has its snapshots. Refused (ConflictError)
   * during a rollback, and when `scheduled` in safe mode (schedules are paused).
   */
  async run(options: { recoveryPointId?: string; scheduled?: boolean } = {}): Promise<DrillOutcome> {
    const point = await this.choosePoint(options.recoveryPointId);
    const started = this.deps.clock.now();
    const drillId = newId('drill', started, randomBytes(3).toString('hex'));
    const copies = new ScratchCopies(this.deps.dynamo, this.deps.s3, this.deps.plan.vaultBucket, this.tablePrefix, drillId.toLowerCase());
    const { components, damage, failure, leftoversRemoved } = await this.deps.backups.withLease(drillId, async () => {
      const verdict: { components: DrillComponentResult[]; damage: string | null; failure: string | null; leftoversRemoved: string[] } = { components: [], damage: null, failure: null, leftoversRemoved: [] };
      // Under this drill's lease (so the mode allowed it), before it makes copies of its own.
      verdict.leftoversRemoved = await this.removeLeftovers();
      try {
        verdict.components = await this.restoreAndCheck(point, copies);
        const bad = verdict.components.filter((c) => !c.ok);
        if (bad.length > 0) verdict.damage = bad.map((c) => `${c.component}: ${c.detail}`).join('; ');
      } catch (err) {
        // Damage to the point (an object that does not open) is a verdict on it; anything else
        // (a scratch table that cannot be created, a throttled call) is not.
        if (err instanceof IntegrityError) verdict.damage = err.message;
        else verdict.failure = asError(err).message;
      } finally {
        await copies.remove().catch((err: unknown) => {
          verdict.failure ??= asError(err).message;
        });
      }
      return verdict;
    }, options.scheduled !== undefined ? { scheduled: options.scheduled } : {});
    const durationMs = this.deps.clock.now().getTime() - started.getTime();
    const items = components.reduce((n, c) => n + c.items, 0);
    const passed = damage === null && failure === null;
    const detail = passed ? `${String(components.length)} component(s) restored into scratch copies, digests and validators passed` : (damage ?? `the drill could not run to the end: ${failure ?? ''}`);
    const record: DrillRecord = { at: started.toISOString(), durationMs, items, result: passed ? 'passed' : 'failed', detail: detail.slice(0, 2000) };
    const updated = await this.deps.backups.recordDrill(point.recoveryPointId, record, damage);
    await this.announce(updated, record, components, drillId);
    return { drillId, recoveryPointId: point.recoveryPointId, record, components, point: updated, leftoversRemoved };
  }

  private get tablePrefix(): string {
    return `${this.deps.plan.systemTable}-drill`;
  }

  /**
   * Removes the scratch copies of drills that are no longer running (no live backup lease: they
   * died before their own cleanup). Best effort: a drill still runs when this fails, and the
   * copies are found again next time.
   */
  private async removeLeftovers(): Promise<string[]> {
    const removed: string[] = [];
    try {
      const found = await ScratchCopies.leftovers(this.deps.dynamo, this.deps.s3, this.deps.plan.vaultBucket, this.tablePrefix);
      if (found.size === 0) return removed;
      const running = new Set((await this.deps.backups.runningBackups()).map((l) => l.runId.toLowerCase()));
      for (const [drillId, tables] of found) {
        if (running.has(drillId)) continue;
        await ScratchCopies.of(this.deps.dynamo, this.deps.s3, this.deps.plan.vaultBucket, this.tablePrefix, drillId, tables).remove();
        removed.push(drillId);
      }
    } catch (err) {
      process.emitWarning(`the scratch copies of earlier restore drills could not all be removed: ${asError(err).message}`);
    }
    return removed;
  }

  private async choosePoint(recoveryPointId: string | undefined): Promise<RecoveryPointRecord> {
    if (recoveryPointId !== undefined) {
      const point = await this.deps.backups.getRecoveryPoint(recoveryPointId);
      if (!drillable(point)) throw new WingError(`recovery point ${recoveryPointId} is ${point.status}: a drill needs a point whose snapshots were taken`);
      return point;
    }
    const newest = (await this.deps.backups.listRecoveryPoints()).find(drillable);
    if (!newest) throw new NotFoundError('there is no recovery point to drill: take one with "npx wing backup:create"');
    return newest;
  }

  /**
   * Restores each snapshot of the point into fresh copies, in restore order, then runs every
   * component's validators on the copies (a plan whose sources are the copies), so that
   * cross-component checks read the copies of the components they depend on.
   */
  private async restoreAndCheck(point: RecoveryPointRecord, copies: ScratchCopies): Promise<DrillComponentResult[]> {
    const reader = this.deps.backups.vaultReader();
    const restorer = new SnapshotRestorer(reader);
    const copiedSources = new Map<string, Source[]>();
    const digests = new Map<string, { items: number; problems: string[] }>();
    for (const component of restoreOrder(this.deps.plan)) {
      const ref = point.snapshots.find((s) => s.component === component.name);
      if (!ref) throw new IntegrityError(`recovery point ${point.recoveryPointId} has no snapshot of ${component.name}`);
      const summary = await reader.readSummary(component.name, ref.snapshotId);
      if (summary.recoveryPointId !== point.recoveryPointId) throw new IntegrityError(`snapshot ${ref.snapshotId} does not belong to recovery point ${point.recoveryPointId}`);
      const sources: Source[] = [];
      const problems: string[] = [];
      let items = 0;
      for (const [i, stream] of summary.streams.entries()) {
        const source = component.sources[i];
        if (!source) throw new WingError(`the plan's ${component.name} has fewer sources than its snapshot ${ref.snapshotId}`);
        const target = await this.copyOf(source, component, i, copies);
        await restorer.restoreStream(summary, stream, target, { mode: 'full' });
        const check = await restorer.verifyStream(stream, target);
        items += check.items;
        if (!check.ok) problems.push(`the copy of ${stream.source.name} has digest ${check.liveDigest.slice(0, 12)}, its snapshot ${check.expectedDigest.slice(0, 12)}`);
        sources.push(scratchSource(target));
      }
      copiedSources.set(component.name, sources);
      digests.set(component.name, { items, problems });
    }
    const copyPlan: Plan = { ...this.deps.plan, components: this.deps.plan.components.map((c) => ({ ...c, sources: copiedSources.get(c.name) ?? c.sources })) };
    const view = liveView(copyPlan, new AwsComponentSources(this.deps.dynamo, this.deps.s3));
    const results: DrillComponentResult[] = [];
    for (const component of restoreOrder(copyPlan)) {
      const digest = digests.get(component.name) ?? { items: 0, problems: [] };
      const checks: CheckResult[] = (await semanticsOf(component.kind)?.check(view, component, copyPlan)) ?? [];
      const failing = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      const problems = [...digest.problems, ...failing];
      results.push({
        component: component.name,
        items: digest.items,
        ok: problems.length === 0,
        detail: problems.length === 0 ? `${String(digest.items)} items restored, digest and ${String(checks.length)} check(s) passed` : problems.join('; '),
      });
    }
    return results;
  }

  private copyOf(source: Source, component: ComponentPlan, index: number, copies: ScratchCopies): Promise<LiveStream> {
    return source.type === 'dynamodb' ? copies.tableLike(source.tableName) : Promise.resolve(copies.prefixFor(component.name, index));
  }

  /** DrillCompleted or DrillFailed, and a notice to the administrators when it failed. Best effort: the proof is recorded already. */
  private async announce(point: RecoveryPointRecord, record: DrillRecord, components: readonly DrillComponentResult[], drillId: string): Promise<void> {
    const passed = record.result === 'passed';
    const time = this.deps.clock.now().toISOString();
    const counts = { items: record.items, durationMs: record.durationMs, components: components.length };
    try {
      await this.deps.events.publish({
        type: passed ? 'DrillCompleted' : 'DrillFailed',
        detail: { version: EVENT_VERSION, time, recoveryPointId: point.recoveryPointId, status: passed ? 'Passed' : 'Failed', step: 'RestoreDrill', counts },
      });
      if (!passed) {
        await this.deps.notifier.notify({
          topic: 'admin',
          subject: noticeSubject(`restore drill FAILED for ${point.recoveryPointId}`),
          message: [
            `Restore drill ${drillId} of recovery point ${point.recoveryPointId} failed: ${record.detail}`,
            point.status === 'Corrupt'
              ? 'The point is now marked Corrupt and will not be chosen for a rollback. Run "npx wing backup:verify --backup-id=' + point.recoveryPointId + '" to see the damaged objects, and take a new backup ("npx wing backup:create").'
              : 'The point was not judged (the drill could not run to the end); run the drill again ("npx wing backup:drill").',
          ].join('\n'),
        });
      }
    } catch (err) {
      process.emitWarning(`the outcome of restore drill ${drillId} was recorded but not announced: ${asError(err).message}`);
    }
  }
}

/** The plan source of a copy, so that the validators read the copy through the usual live view. */
function scratchSource(target: LiveStream): Source {
  const d = target.descriptor;
  if (d.type === 'dynamodb') return { type: 'dynamodb', tableName: String(d.tableName) };
  return { type: 's3', bucketName: String(d.bucketName), prefix: String(d.prefix) };
}
