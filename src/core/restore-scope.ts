/**
 * What a targeted restore touches: some components of the plan, and optionally only some items of
 * them. `repair:component` and `auth:restore` restore whole components; `agent:restore --id=A`
 * and `agent:reset-config` restore only the items of one agent, or only agents' configuration.
 *
 * A targeted restore is a rollback like any other (the same state machine, lock, recovery mode,
 * safety snapshots, undo and recovery), limited to its scope. The item filter works through the
 * restore's reconciler: an item outside the scope keeps its live value (present or absent), so the
 * restore writes and deletes nothing outside it, and the verification's expected state, the dry
 * run's counts and the restore itself cannot disagree about what the scope is.
 */
import { decodeItem } from './canonical-item.js';
import { ValidationError } from './errors.js';
import { componentByName, restoreOrder, type Plan } from './plan.js';
import type { RecordReconciler } from './snapshot/snapshot-restorer.js';

/** Items of a DynamoDB component by key: `pk` exactly or by prefix, and `sk` exactly when given. */
export interface ItemScope {
  readonly pk?: string;
  readonly pkPrefix?: string;
  readonly sk?: string;
  /** For people: what the filter selects ("agent a-17", "the configuration of every agent"). */
  readonly description: string;
}

export interface RestoreScope {
  /** Component names, in restore order. */
  readonly components: readonly string[];
  /** Only these items of the components (which then have DynamoDB sources only). */
  readonly items?: ItemScope;
}

/**
 * A scope checked against the plan: known components in restore order, and an item filter only on
 * components whose every source is a DynamoDB table (an S3 object has no `pk` to filter on).
 */
export function validatedScope(plan: Plan, scope: RestoreScope): RestoreScope {
  if (scope.components.length === 0) throw new ValidationError('a targeted restore needs at least one component');
  const wanted = new Set(scope.components.map((name) => componentByName(plan, name).name));
  const components = restoreOrder(plan)
    .filter((c) => wanted.has(c.name))
    .map((c) => c.name);
  if (scope.items) {
    if (scope.items.pk === undefined && scope.items.pkPrefix === undefined) throw new ValidationError('an item scope needs pk or pkPrefix');
    for (const name of components) {
      const component = componentByName(plan, name);
      if (component.sources.some((s) => s.type !== 'dynamodb')) {
        throw new ValidationError(`component ${name} keeps S3 objects: only whole-component restores apply to it (repair:component --component=${name})`);
      }
    }
  }
  return { components, ...(scope.items ? { items: scope.items } : {}) };
}

/** The components a rollback restores: its scope's, or every component of the plan in restore order. */
export function scopeComponents(plan: Plan, scope: RestoreScope | undefined): string[] {
  return scope ? [...scope.components] : restoreOrder(plan).map((c) => c.name);
}

function stringKey(item: Record<string, unknown>, name: string): string | undefined {
  const value = item[name];
  return value !== null && typeof value === 'object' && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

/** Does an item (canonical bytes) fall within the filter? */
export function inItemScope(scope: ItemScope, item: Buffer): boolean {
  const decoded = decodeItem(item);
  const pk = stringKey(decoded, 'pk');
  if (pk === undefined) return false;
  if (scope.pk !== undefined && pk !== scope.pk) return false;
  if (scope.pkPrefix !== undefined && !pk.startsWith(scope.pkPrefix)) return false;
  return scope.sk === undefined || stringKey(decoded, 'sk') === scope.sk;
}

/**
 * The reconciler of a restore limited to `scope`: items outside it stay as they live; items inside
 * it are decided by `inner` (the component's own reconciliation and sanitization), or copied from
 * the point. Point and live share their key, so either tells whether the item is in scope.
 */
export function scopedReconciler(scope: ItemScope, inner: RecordReconciler | undefined): RecordReconciler {
  return (point, live) => {
    const either = point ?? live;
    if (either === undefined || !inItemScope(scope, either)) return live;
    return inner ? inner(point, live) : point;
  };
}
