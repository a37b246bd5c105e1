/**
 * squadrons: groups of agents with missions, a hierarchy and parameters. Its checks: every member
 * agent exists in the agents component, every parent squadron exists, the hierarchy is acyclic.
 */
import type { CheckResult } from '../core/catalog.js';
import type { ComponentPlan, Plan } from '../core/plan.js';
import { agentIds } from './agent-backup.js';
import { dependencyOfKind, result, type ComponentSemantics } from './component-checks.js';
import { stringAttr, stringsAttr, type SnapshotView } from './snapshot-view.js';

const SQUADRON_PREFIX = 'SQUADRON#';

export class SquadronBackup implements ComponentSemantics {
  readonly kind = 'squadrons' as const;

  async check(view: SnapshotView, component: ComponentPlan, plan: Plan): Promise<CheckResult[]> {
    const agents = dependencyOfKind(plan, component, 'agents');
    const known = agents ? await agentIds(view, agents.name) : undefined;
    const parents = new Map<string, string | undefined>();
    const memberProblems: string[] = [];
    let members = 0;
    for await (const item of view.items(component.name)) {
      const pk = stringAttr(item, 'pk');
      if (!pk?.startsWith(SQUADRON_PREFIX)) continue;
      const id = pk.slice(SQUADRON_PREFIX.length);
      parents.set(id, stringAttr(item, 'parentSquadron'));
      for (const member of stringsAttr(item, 'members')) {
        members += 1;
        if (known && !known.has(member)) memberProblems.push(`squadron ${id} lists missing agent ${member}`);
      }
    }
    const hierarchyProblems: string[] = [];
    for (const [id, parent] of parents) {
      if (parent !== undefined && !parents.has(parent)) hierarchyProblems.push(`squadron ${id} has missing parent ${parent}`);
      const seen = new Set([id]);
      for (let p = parent; p !== undefined; p = parents.get(p)) {
        if (seen.has(p)) {
          hierarchyProblems.push(`squadron ${id} is in a hierarchy cycle through ${p}`);
          break;
        }
        seen.add(p);
      }
    }
    return [
      result('members-exist', component.name, memberProblems, known ? `${members} memberships resolve` : 'no agents component to check against'),
      result('hierarchy-acyclic', component.name, hierarchyProblems, `${parents.size} squadrons form a forest`),
    ];
  }
}
