/**
 * The names and descriptions of the targeted restores (CONTRACT.md), with no dependency: the CLI
 * declares its commands from this table on every start of `wing` (src/cli/command-runner.ts),
 * and src/rollback/repair-commands.ts, which turns a command into a scoped restore, re-exports it.
 */
export const REPAIR_COMMAND_NAMES = ['repair:component', 'auth:restore', 'agent:restore', 'agent:reset-config'] as const;
export type RepairCommandName = (typeof REPAIR_COMMAND_NAMES)[number];

export const REPAIR_COMMANDS = {
  'repair:component': { description: 'restore one component (--component=C) from the newest verified point' },
  'auth:restore': { description: 'restore the auth component alone, with its reconciliation (revocations made since stay, emergency credentials untouched)' },
  'agent:restore': { description: 'restore one agent (--id=A) and what hangs on it (state, configuration, memory, metrics, relationships), nothing else' },
  'agent:reset-config': { description: "reset agents' configuration (all, or --id=A) to the newest verified point" },
} as const satisfies Record<RepairCommandName, { description: string }>;
