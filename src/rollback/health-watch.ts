/**
 * HealthWatch: the health monitor with a memory. Each whole-platform check is compared with the
 * last one recorded; every transition (of the platform, or of one component) emits a
 * `HealthChanged` event and notifies the administrators. When the platform turns degraded or
 * critical, the notice proposes what to do, with the counts a rollback would change, and the
 * command for repairing just the failing components. It never starts a rollback or a repair:
 * deciding to lose data is an administrator's call.
 *
 * A check of one component (`health:check --component=C`) is reported but not recorded: the
 * memory is of the whole platform.
 */
import { asError } from '../core/errors.js';
import { EVENT_VERSION, type EventPublisher } from '../core/events.js';
import { noticeSubject, type Notifier } from '../core/notifications.js';
import type { Clock } from '../core/ports.js';
import type { BackupManager } from './backup-manager.js';
import type { HealthState, HealthStateStore, HealthStatus } from '../core/health-state.js';
import type { HealthMonitor, HealthReport } from './health-monitor.js';

/** One change of status; `component` undefined for the platform as a whole. */
export interface HealthTransition {
  readonly component?: string;
  readonly from: HealthStatus;
  readonly to: HealthStatus;
}

/**
 * The transitions between two checks. Without a previous check everything counts as having been
 * healthy, so a platform found broken on the first check is announced, and a healthy one is not.
 */
export function healthTransitions(previous: HealthState | undefined, report: HealthReport): HealthTransition[] {
  const transitions: HealthTransition[] = [];
  const before = previous?.status ?? 'healthy';
  if (before !== report.status) transitions.push({ from: before, to: report.status });
  for (const c of report.components) {
    const was = previous?.components[c.component] ?? 'healthy';
    if (was !== c.status) transitions.push({ component: c.component, from: was, to: c.status });
  }
  return transitions;
}

export interface HealthWatchDeps {
  readonly monitor: HealthMonitor;
  readonly store: HealthStateStore;
  readonly backups: BackupManager;
  readonly events: EventPublisher;
  readonly notifier: Notifier;
  readonly clock: Clock;
}

export interface WatchedReport extends HealthReport {
  readonly transitions: readonly HealthTransition[];
  /** When the platform just turned unhealthy: what the administrators were told to consider. */
  readonly proposal?: string;
}

export class HealthWatch {
  constructor(private readonly deps: HealthWatchDeps) {}

  /** A check like HealthMonitor's; a whole-platform one is compared, recorded and announced. */
  async check(options: { component?: string } = {}): Promise<WatchedReport> {
    const report = await this.deps.monitor.check(options);
    if (options.component !== undefined) return { ...report, transitions: [] };
    const previous = await this.deps.store.get();
    const transitions = healthTransitions(previous, report);
    await this.deps.store.put({ status: report.status, checkedAt: report.checkedAt, components: Object.fromEntries(report.components.map((c) => [c.component, c.status])) });
    if (transitions.length === 0) return { ...report, transitions };
    const proposal = report.status !== 'healthy' && transitions.some((t) => t.component === undefined) ? await this.proposal(report) : undefined;
    await this.announce(report, transitions, proposal);
    return { ...report, transitions, ...(proposal !== undefined ? { proposal } : {}) };
  }

  /**
   * What to consider: the newest verified point and what a rollback to it would change (its dry
   * run), and the repair of each failing component. Read-only; a failure here only shortens the
   * notice.
   */
  private async proposal(report: HealthReport): Promise<string> {
    const failing = report.components.filter((c) => c.status !== 'healthy').map((c) => c.component);
    const repairs = failing.map((c) => `npx wing repair:component --component=${c}`).join(' ; ');
    try {
      const point = await this.deps.backups.choosePoint({ hours: 0 });
      const counts = await this.deps.backups.planRestore(point.recoveryPointId);
      const changes = counts.map((c) => `${c.component}: ${String(c.write)} to write, ${String(c.delete)} to delete`).join('; ');
      return `Proposed (not started): repair the failing component(s) from the newest verified point ${point.recoveryPointId} (${point.createdAt}): ${repairs}; or roll the whole platform back to it with "npx wing rollback:quick" (${changes}). Check first with "npx wing rollback:plan --hours=0".`;
    } catch (err) {
      return `No rollback can be proposed (${asError(err).message}). Failing: ${failing.join(', ')}.`;
    }
  }

  private async announce(report: HealthReport, transitions: readonly HealthTransition[], proposal: string | undefined): Promise<void> {
    const time = this.deps.clock.now().toISOString();
    const failingChecks = report.components.reduce((n, c) => n + c.checks.filter((k) => !k.ok).length, 0);
    try {
      for (const t of transitions) {
        await this.deps.events.publish({
          type: 'HealthChanged',
          detail: { version: EVENT_VERSION, time, ...(t.component !== undefined ? { component: t.component } : {}), status: t.to, from: t.from, to: t.to, step: 'HealthCheck', counts: { failingChecks } },
        });
      }
      const failing = report.components.flatMap((c) => c.checks.filter((k) => !k.ok).map((k) => `- ${c.component} ${k.name}: ${k.detail}`));
      await this.deps.notifier.notify({
        topic: 'admin',
        subject: noticeSubject(`WING health ${report.status}`),
        message: [
          `WING health changed at ${report.checkedAt}: ${transitions.map((t) => `${t.component ?? 'platform'} ${t.from} -> ${t.to}`).join(', ')}.`,
          ...(failing.length > 0 ? ['Failing checks:', ...failing.slice(0, 20)] : ['Every check passes.']),
          ...(proposal !== undefined ? [proposal] : []),
        ].join('\n'),
      });
    } catch (err) {
      process.emitWarning(`a health transition was recorded but not announced: ${asError(err).message}`);
    }
  }
}
