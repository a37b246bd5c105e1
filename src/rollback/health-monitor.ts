/**
 * HealthMonitor: the health of the live platform, component by component. Each component is first
 * scanned whole (can every source be read?), then judged by the same checks a recovery point gets
 * (src/components), run on the live data instead of on snapshots.
 *
 * A component is critical when one of its sources cannot be read, degraded when a check fails, and
 * healthy otherwise; the platform is as unhealthy as its worst component. A check report is data,
 * not an error: the pre-rollback check runs exactly when the platform is broken, so every failure
 * of the live data ends up in the report instead of rejecting it.
 */
import type { ComponentSources } from '../adapters/component-sources.js';
import { semanticsOf } from '../components/index.js';
import { liveRecordCount, liveView } from '../components/live-view.js';
import type { SnapshotView } from '../components/snapshot-view.js';
import type { CheckResult } from '../core/catalog.js';
import { asError } from '../core/errors.js';
import { componentByName, restoreOrder, type ComponentPlan, type Plan } from '../core/plan.js';
import type { Clock } from '../core/ports.js';

import type { HealthStatus } from '../core/health-state.js';

export type { HealthStatus };

/** One component's status and the checks that decided it. */
export interface ComponentHealth {
  readonly component: string;
  readonly status: HealthStatus;
  readonly checks: CheckResult[];
}

/** The outcome of one health check: the worst component status, and each component's. */
export interface HealthReport {
  readonly status: HealthStatus;
  readonly checkedAt: string;
  readonly components: ComponentHealth[];
}

/** What the monitor reads (the live sources of the plan's components) and when it says it did. */
export interface HealthMonitorDeps {
  readonly plan: Plan;
  readonly sources: ComponentSources;
  readonly clock: Clock;
}

const severity: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, critical: 2 };

/** The worst of some statuses; healthy when there are none. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'healthy';
  for (const status of statuses) if (severity[status] > severity[worst]) worst = status;
  return worst;
}

/** Checks the live components of a plan; holds no state between checks. */
export class HealthMonitor {
  constructor(private readonly deps: HealthMonitorDeps) {}

  /**
   * All components in restore order (restoreOrder(plan)), or only `component` (an unknown name is
   * a ValidationError naming the known components).
   */
  async check(options: { component?: string } = {}): Promise<HealthReport> {
    const { plan } = this.deps;
    const components = options.component === undefined ? restoreOrder(plan) : [componentByName(plan, options.component)];
    const checkedAt = this.deps.clock.now().toISOString();
    const view = liveView(plan, this.deps.sources);
    const results: ComponentHealth[] = [];
    for (const component of components) results.push(await this.checkComponent(component, view));
    return { status: worstStatus(results.map((r) => r.status)), checkedAt, components: results };
  }

  private async checkComponent(component: ComponentPlan, view: SnapshotView): Promise<ComponentHealth> {
    const reachable = await this.reachable(component);
    // Checks of data that cannot be read would only repeat the read failure as a data problem.
    if (!reachable.ok) return { component: component.name, status: 'critical', checks: [reachable] };
    const checks = [reachable, ...(await this.validate(component, view))];
    return { component: component.name, status: checks.every((c) => c.ok) ? 'healthy' : 'degraded', checks };
  }

  /** Lists every record of every source: a table that answers DescribeTable may still refuse a scan. */
  private async reachable(component: ComponentPlan): Promise<CheckResult> {
    let records: number;
    try {
      records = await liveRecordCount(this.deps.sources, component);
    } catch (err) {
      return { name: 'reachable', component: component.name, ok: false, detail: asError(err).message };
    }
    return { name: 'reachable', component: component.name, ok: true, detail: `${records} records` };
  }

  private async validate(component: ComponentPlan, view: SnapshotView): Promise<CheckResult[]> {
    const semantics = semanticsOf(component.kind);
    if (!semantics) return [];
    try {
      return await semantics.check(view, component, this.deps.plan);
    } catch (err) {
      // Not only IntegrityError as on snapshots: a check also reads the components this one
      // depends on, and one of those being unreachable must not take the whole report down.
      return [{ name: 'readable', component: component.name, ok: false, detail: asError(err).message }];
    }
  }
}
