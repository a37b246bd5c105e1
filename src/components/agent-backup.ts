/**
 * agents: state, configuration, memory, metrics and relationships, several items per agent under
 * pk `AGENT#<id>`. Its check: every relationship points at an agent that exists.
 */
import type { TypedItem } from '../core/canonical-item.js';
import type { CheckResult } from '../core/catalog.js';
import type { ComponentPlan } from '../core/plan.js';
import { result, type ComponentSemantics } from './component-checks.js';
import { stringAttr, type SnapshotView } from './snapshot-view.js';

export const AGENT_PREFIX = 'AGENT#';
/** The sort key of an agent's configuration item (beside STATE, MEMORY and METRICS). */
export const AGENT_CONFIG_SK = 'CONFIG';

/** Agent ids present in a component's items. */
export async function agentIds(view: SnapshotView, component: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const item of view.items(component)) {
    const pk = stringAttr(item, 'pk');
    if (pk?.startsWith(AGENT_PREFIX)) ids.add(pk.slice(AGENT_PREFIX.length));
  }
  return ids;
}

function relationshipTargets(item: TypedItem): string[] {
  const rel = item.relationships;
  if (!rel || !('L' in rel)) return [];
  return rel.L.flatMap((entry) => ('M' in entry && entry.M.agentId && 'S' in entry.M.agentId ? [entry.M.agentId.S] : []));
}

export class AgentBackup implements ComponentSemantics {
  readonly kind = 'agents' as const;

  async check(view: SnapshotView, component: ComponentPlan): Promise<CheckResult[]> {
    const ids = await agentIds(view, component.name);
    const problems: string[] = [];
    let relationships = 0;
    for await (const item of view.items(component.name)) {
      for (const target of relationshipTargets(item)) {
        relationships += 1;
        if (!ids.has(target)) problems.push(`${stringAttr(item, 'pk') ?? '?'} relates to missing agent ${target}`);
      }
    }
    return [result('relationships-resolve', component.name, problems, `${relationships} relationships of ${ids.size} agents resolve`)];
  }
}
