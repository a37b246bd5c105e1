/**
 * What every component's semantics provide: the checks that run on a recovery point's snapshots
 * after each backup run (and, with the health issue, on the live data).
 */
import type { CheckResult } from '../core/catalog.js';
import type { ComponentKind, ComponentPlan, Plan } from '../core/plan.js';
import type { RecordReconciler } from '../core/snapshot/snapshot-restorer.js';
import type { SnapshotView } from './snapshot-view.js';

export interface ComponentSemantics {
  readonly kind: ComponentKind;
  /** Checks of this component, which may look at the components it depends on. */
  check(view: SnapshotView, component: ComponentPlan, plan: Plan): Promise<CheckResult[]>;
  /**
   * For a component whose rollback must not simply copy the point: what a DynamoDB item must be
   * after the restore, from the point's item and the live one (canonical bytes).
   */
  readonly reconcileItem?: RecordReconciler;
}

/** At most this many examples are named in a check's detail. */
export const MAX_EXAMPLES = 5;

export function result(name: string, component: string, problems: readonly string[], okDetail: string): CheckResult {
  if (problems.length === 0) return { name, component, ok: true, detail: okDetail };
  const shown = problems.slice(0, MAX_EXAMPLES).join('; ');
  const more = problems.length > MAX_EXAMPLES ? ` and ${problems.length - MAX_EXAMPLES} more` : '';
  return { name, component, ok: false, detail: `${problems.length} problem(s): ${shown}${more}` };
}

/** The component of the plan of a given kind that `component` depends on, if any. */
export function dependencyOfKind(plan: Plan, component: ComponentPlan, kind: ComponentKind): ComponentPlan | undefined {
  return plan.components.find((c) => c.kind === kind && component.dependsOn.includes(c.name));
}
