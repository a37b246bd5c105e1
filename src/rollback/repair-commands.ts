/**
 * The targeted restores of CONTRACT.md: repair one component, or one agent, without rolling the
 * whole platform back. Each is a rollback limited to a scope (src/core/restore-scope.ts), from the
 * newest verified recovery point unless a point is named. The CLI, the admin API's schemas and
 * routes start from this one table.
 */
import { AGENT_CONFIG_SK, AGENT_PREFIX } from '../components/agent-backup.js';
import { ValidationError } from '../core/errors.js';
import { componentByName, type ComponentKind, type Plan } from '../core/plan.js';
import type { RepairCommandName } from '../core/repair-command-names.js';
import { validatedScope, type RestoreScope } from '../core/restore-scope.js';

export { REPAIR_COMMAND_NAMES, REPAIR_COMMANDS, type RepairCommandName } from '../core/repair-command-names.js';

/** What a repair command was asked for. */
export interface RepairArgs {
  readonly component?: string | undefined;
  readonly agentId?: string | undefined;
  readonly backupId?: string | undefined;
}

/** An agent id as WING writes it: letters, digits, `.`, `_`, `-` (no `#`, which separates key parts). */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

function agentId(value: string | undefined, required: boolean, command: string): string | undefined {
  if (value === undefined) {
    if (required) throw new ValidationError(`${command} needs --id=AGENT_ID (the agent's id, as in its pk AGENT#<id>)`);
    return undefined;
  }
  if (!AGENT_ID_PATTERN.test(value)) throw new ValidationError(`"${value}" is not an agent id (letters, digits, ".", "_" and "-", at most 128)`);
  return value;
}

/** The plan's component of a kind, for the commands that name a kind rather than a component. */
function componentOfKind(plan: Plan, kind: ComponentKind, command: string): string {
  const found = plan.components.filter((c) => c.kind === kind);
  if (found.length !== 1 || !found[0]) throw new ValidationError(`${command} needs exactly one component of kind ${kind} in the plan (found ${String(found.length)}): use repair:component --component=C`);
  return found[0].name;
}

/** The point choice (newest verified, or the named point) and the scope of a repair command. */
export function repairRequestOf(plan: Plan, command: RepairCommandName, args: RepairArgs): { choice: { hours: number } | { backupId: string }; scope: RestoreScope } {
  const choice = args.backupId !== undefined ? { backupId: args.backupId } : { hours: 0 };
  const extra = (flag: string, present: boolean): void => {
    if (present) throw new ValidationError(`${command} takes no ${flag}`);
  };
  switch (command) {
    case 'repair:component': {
      extra('--id', args.agentId !== undefined);
      if (args.component === undefined) throw new ValidationError(`repair:component needs --component=C (one of ${plan.components.map((c) => c.name).join(', ')})`);
      return { choice, scope: validatedScope(plan, { components: [componentByName(plan, args.component).name] }) };
    }
    case 'auth:restore':
      extra('--id', args.agentId !== undefined);
      extra('--component', args.component !== undefined);
      return { choice, scope: validatedScope(plan, { components: [componentOfKind(plan, 'auth', command)] }) };
    case 'agent:restore': {
      extra('--component', args.component !== undefined);
      const id = agentId(args.agentId, true, command) ?? '';
      return { choice, scope: validatedScope(plan, { components: [componentOfKind(plan, 'agents', command)], items: { pk: `${AGENT_PREFIX}${id}`, description: `agent ${id}` } }) };
    }
    case 'agent:reset-config': {
      extra('--component', args.component !== undefined);
      const id = agentId(args.agentId, false, command);
      const items =
        id === undefined
          ? { pkPrefix: AGENT_PREFIX, sk: AGENT_CONFIG_SK, description: 'the configuration of every agent' }
          : { pk: `${AGENT_PREFIX}${id}`, sk: AGENT_CONFIG_SK, description: `the configuration of agent ${id}` };
      return { choice, scope: validatedScope(plan, { components: [componentOfKind(plan, 'agents', command)], items }) };
    }
  }
}
