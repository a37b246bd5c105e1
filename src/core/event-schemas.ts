/**
 * The schema of every event's detail (CONTRACT.md, "Events"), one per detail type. The other WING
 * systems (Domain Management, Dream-Commander, Wish-Vision) code against the JSON Schema files
 * rendered from these into `schemas/events/` (`npm run schemas:events`); a test keeps the files
 * and this module equal and validates every event the tests emit against the files.
 *
 * One detail shape for all types, as the contract says; each type narrows which fields it
 * always carries and which statuses it can have.
 */
import { z } from 'zod';
import { recoveryPointStatuses } from './catalog.js';
import { EVENT_SOURCE, EVENT_VERSION, type EventType } from './events.js';
import { systemModes } from './system-mode.js';

const rollbackId = z.string().regex(/^rb-[A-Za-z0-9-]+$/).describe('The rollback (or undo, or targeted restore) this event is about.');
const recoveryPointId = z.string().regex(/^rp-[A-Za-z0-9-]+$/).describe('The recovery point this event is about.');
const component = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/).describe('A component of the backup plan (vision-lake, auth, agents, squadrons, ...).');
const healthStatus = z.enum(['healthy', 'degraded', 'critical']);
const mode = z.enum(systemModes);

const common = {
  version: z.literal(EVENT_VERSION).describe('The version of this detail shape; a breaking change increments it.'),
  time: z.iso.datetime().describe('When it happened (UTC, ISO 8601).'),
  rollbackId: rollbackId.optional(),
  recoveryPointId: recoveryPointId.optional(),
  component: component.optional(),
  step: z.string().min(1).max(128).optional().describe('The step of the rollback state machine (or of the operation) that emitted it.'),
  counts: z.record(z.string(), z.number().int().min(0)).optional().describe('Counts of what happened (items, bytes, written, deleted, components, ...).'),
};

/** A detail type's schema: the common fields, with `required` made mandatory and `status` narrowed. */
function detail(description: string, status: z.ZodType, required: Partial<Record<'rollbackId' | 'recoveryPointId' | 'component' | 'counts', true>> = {}, extra: Record<string, z.ZodType> = {}) {
  return z
    .strictObject({
      ...common,
      ...(required.rollbackId ? { rollbackId } : {}),
      ...(required.recoveryPointId ? { recoveryPointId } : {}),
      ...(required.component ? { component } : {}),
      ...(required.counts ? { counts: common.counts.unwrap() } : {}),
      status,
      from: z.string().optional(),
      to: z.string().optional(),
      ...extra,
    })
    .describe(description);
}

const backupFailedStatuses = recoveryPointStatuses.filter((s) => s !== 'Completed' && s !== 'InProgress');

export const eventDetailSchemas = {
  BackupCompleted: detail(
    'A recovery point (recoveryPointId) or a single-component snapshot (component) was taken and verified.',
    z.literal('Completed'),
    { counts: true },
  ),
  BackupFailed: detail('A backup run ended without a usable, consistent, verified recovery point.', z.enum(backupFailedStatuses), { recoveryPointId: true }),
  RollbackRequested: detail('An administrator asked for a rollback, undo or targeted restore; it is recorded and about to start.', z.literal('Pending'), { rollbackId: true }),
  RollbackStarted: detail('The rollback chose its point and is about to stop the services: expect WING to be read-only until it ends.', z.literal('InProgress'), { rollbackId: true }),
  ComponentRestored: detail(
    'One component was restored and verified (Restored), or returned to its state before the rollback after a failure (Recovered).',
    z.enum(['Restored', 'Recovered']),
    { rollbackId: true, component: true },
  ),
  RollbackCompleted: detail('The rollback restored and verified every component in its scope; services run again.', z.literal('Completed'), { rollbackId: true }),
  RollbackFailed: detail('The rollback failed; its message says whether the data was returned to its state before it, or the system is in safe mode.', z.enum(['Failed', 'PartiallyFailed']), { rollbackId: true }),
  RollbackUndone: detail('An undo returned the platform to its state just before the latest rollback.', z.literal('Completed'), { rollbackId: true }),
  HealthChanged: detail('The health of the platform (or of one component) changed from `from` to `to`.', healthStatus, {}, { from: healthStatus, to: healthStatus }),
  SystemModeChanged: detail(
    'The system mode changed: recovery (services stopped for a rollback), safe (read-only except for administrators, schedules paused) or normal.',
    mode,
    {},
    { from: mode, to: mode },
  ),
  DrillCompleted: detail('A restore drill restored a recovery point into scratch copies and verified it: the point is proven restorable.', z.literal('Passed'), { recoveryPointId: true, counts: true }),
  DrillFailed: detail('A restore drill could not restore or verify a recovery point: the point is marked Corrupt.', z.literal('Failed'), { recoveryPointId: true }),
  AgentRestartRequested: detail(
    'An administrator asked for agents to restart (agent:restart): their runtime status was reset to restarting; the agent runtime restarts the agents named.',
    z.literal('Requested'),
    { component: true, counts: true },
    { agentIds: z.array(z.string().min(1).max(128)).describe('The agents to restart.') },
  ),
} as const satisfies Record<EventType, z.ZodType>;

/** The JSON Schema document of one detail type, as written to `schemas/events/<type>.schema.json`. */
export function eventDetailJsonSchema(type: EventType): Record<string, unknown> {
  return {
    $id: `https://schemas.wing.example/${EVENT_SOURCE}/${type}.schema.json`,
    title: `${EVENT_SOURCE} ${type} detail`,
    'x-eventbridge': { source: EVENT_SOURCE, 'detail-type': type },
    ...z.toJSONSchema(eventDetailSchemas[type], { target: 'draft-2020-12' }),
  };
}
