/**
 * The local scheduler of `npm start`: runs the plan's backup schedules as EventBridge Scheduler
 * runs them on AWS. Components that share a schedule expression are backed up together; when
 * one schedule covers every component, each run takes a recovery point (then applies
 * retention), otherwise a snapshot of each component of that schedule.
 *
 * A run the mode forbids (recovery mode during a rollback, safe mode: schedules paused) is
 * skipped and noted; a run never overlaps the previous run of its schedule.
 */
import { Cron } from 'croner';
import { ConflictError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { localSchedule } from '../core/schedule-expression.js';
import type { BackupManager } from '../rollback/backup-manager.js';

export interface SchedulerDeps {
  readonly plan: Plan;
  readonly backups: BackupManager;
  /** One line per run: started, done, skipped, failed. */
  readonly report: (line: string) => void;
}

export interface LocalScheduler {
  /** The schedules, for the start-up message. */
  readonly schedules: readonly { expression: string; components: readonly string[] }[];
  stop(): void;
}

export function startLocalScheduler(deps: SchedulerDeps): LocalScheduler {
  const byExpression = new Map<string, string[]>();
  for (const c of deps.plan.components) byExpression.set(c.schedule, [...(byExpression.get(c.schedule) ?? []), c.name]);
  const stops: (() => void)[] = [];
  const schedules = [...byExpression].map(([expression, components]) => ({ expression, components }));
  for (const { expression, components } of schedules) {
    let running = false;
    const run = async (): Promise<void> => {
      if (running) {
        deps.report(`schedule ${expression}: the previous run is still going; this one is skipped`);
        return;
      }
      running = true;
      try {
        await runOnce(deps, components);
      } finally {
        running = false;
      }
    };
    const fire = (): void => {
      run().catch((err: unknown) => {
        deps.report(`schedule ${expression}: failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    };
    const schedule = localSchedule(expression);
    if (schedule.kind === 'rate') {
      const timer = setInterval(fire, schedule.everyMs);
      timer.unref();
      stops.push(() => {
        clearInterval(timer);
      });
    } else {
      const job = new Cron(schedule.pattern, { timezone: 'UTC', protect: true }, fire);
      stops.push(() => {
        job.stop();
      });
    }
  }
  return {
    schedules,
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}

async function runOnce(deps: SchedulerDeps, components: readonly string[]): Promise<void> {
  const all = components.length === deps.plan.components.length;
  try {
    if (all) {
      deps.report('scheduled backup: taking a recovery point');
      const point = await deps.backups.createRecoveryPoint({ scheduled: true });
      deps.report(`scheduled backup: ${point.recoveryPointId} ${point.status}`);
      const retention = await deps.backups.applyRetention({ dryRun: false, scheduled: true });
      deps.report(`scheduled retention: ${retention.deletedRecoveryPoints.length} point(s) removed`);
    } else {
      for (const component of components) {
        const snapshot = await deps.backups.createComponentSnapshot(component, { scheduled: true });
        deps.report(`scheduled backup of ${component}: ${snapshot.snapshotId}`);
      }
    }
  } catch (err) {
    if (err instanceof ConflictError) {
      deps.report(`scheduled backup skipped: ${err.message}`);
      return;
    }
    throw err;
  }
}
