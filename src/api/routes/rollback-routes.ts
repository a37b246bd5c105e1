/**
 * `/api/rollbacks`: plan, start, follow, undo and clean up rollbacks. A start needs an
 * administrator's session, the password typed again and an explicit confirmation of the data
 * loss; it returns 202 with the rollback id as soon as the state machine runs, and the caller
 * follows it with `GET /api/rollbacks/{id}` (per-component progress and the executed steps).
 */
import { isFinished } from '../../core/rollback-journal.js';
import { ROLLBACK_COMMANDS, rollbackRequestOf } from '../../core/rollback-commands.js';
import type { RollbackOperations, RollbackRequest, RollbackResult } from '../../rollback/rollback-operations.js';
import { repairRequestOf } from '../../rollback/repair-commands.js';
import { cleanupRequest, planQuery, repairPlanQuery, rollbackPath, startRepairRequest, startRollbackRequest, undoRequest } from '../api-schemas.js';
import { ok, parseBody, parseParams, type ApiResult } from '../api-http.js';
import type { AdminApiDeps, RouteGroup } from '../admin-api.js';
import { confirmedAdministrator } from '../password-confirmation.js';

function started(result: RollbackResult): Record<string, unknown> {
  return {
    success: result.success,
    rollbackId: result.rollbackId,
    recoveryPointId: result.recoveryPointId,
    phase: result.phase,
    message: result.message,
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}

function planAnswer(plan: Awaited<ReturnType<RollbackOperations['plan']>>): ApiResult {
  const p = plan.recoveryPoint;
  return ok({ recoveryPoint: { recoveryPointId: p.recoveryPointId, createdAt: p.createdAt, status: p.status, verifiedAt: p.verifiedAt }, components: plan.components });
}

/** Starts a confirmed rollback or targeted restore without waiting for it: 202 with its id. */
async function startAnswer(
  deps: AdminApiDeps,
  who: Awaited<ReturnType<typeof confirmedAdministrator>>,
  request: { command: string; reason: string; expectRecoveryPointId?: string | undefined },
  what: Pick<RollbackRequest, 'hours' | 'backupId' | 'mode' | 'scope'>,
): Promise<ApiResult> {
  const result = await deps.operations.startRollback(who.username, {
    ...what,
    reason: request.reason,
    command: request.command,
    wait: false,
    source: who.source,
    origin: who.origin,
    ...(request.expectRecoveryPointId !== undefined ? { expectRecoveryPointId: request.expectRecoveryPointId } : {}),
  });
  return ok(started(result), 202);
}

export const rollbackRoutes: RouteGroup = {
  name: 'rollbacks',
  prefix: '/api/rollbacks',
  routes: [
    {
      method: 'GET',
      path: '/api/rollbacks/plan',
      summary: 'Dry run: the recovery point a rollback would use and, per component, what it would write, delete and leave',
      access: 'viewer',
      query: planQuery,
      handle: async (event, deps) => {
        const query = parseParams(event.queryStringParameters, planQuery);
        const plan = await deps.operations.plan(query.backupId !== undefined ? { backupId: query.backupId } : { hours: query.hours ?? 24 });
        return planAnswer(plan);
      },
    },
    {
      method: 'POST',
      path: '/api/rollbacks',
      summary: 'Start a rollback (password confirmed again, data loss confirmed); 202 with its id',
      access: 'admin',
      body: startRollbackRequest,
      status: 202,
      handle: async (event, deps, session) => {
        const request = parseBody(event, startRollbackRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, 'rollback.start');
        return startAnswer(deps, who, request, { ...rollbackRequestOf(request.command, request), mode: ROLLBACK_COMMANDS[request.command].mode });
      },
    },
    {
      method: 'GET',
      path: '/api/rollbacks/repair-plan',
      summary: 'Dry run of a targeted restore (repair:component, auth:restore, agent:restore, agent:reset-config): its point and what it would write, delete and leave',
      access: 'viewer',
      query: repairPlanQuery,
      handle: async (event, deps) => {
        const query = parseParams(event.queryStringParameters, repairPlanQuery);
        const { choice, scope } = repairRequestOf(deps.operations.services.plan, query.command, query);
        const plan = await deps.operations.plan(choice, scope);
        return planAnswer(plan);
      },
    },
    {
      method: 'POST',
      path: '/api/rollbacks/repair',
      summary: 'Start a targeted restore (password confirmed again, data loss confirmed); 202 with its rollback id',
      access: 'admin',
      body: startRepairRequest,
      status: 202,
      handle: async (event, deps, session) => {
        const request = parseBody(event, startRepairRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, 'rollback.start');
        const { choice, scope } = repairRequestOf(deps.operations.services.plan, request.command, request);
        return startAnswer(deps, who, request, { ...choice, scope });
      },
    },
    {
      method: 'GET',
      path: '/api/rollbacks',
      summary: 'Rollbacks and undos, newest first',
      access: 'viewer',
      handle: async (_event, deps) => {
        const records = await deps.operations.list();
        return ok({
          rollbacks: records.map((r) => ({ rollbackId: r.rollbackId, kind: r.kind, command: r.command, phase: r.phase, step: r.step, initiator: r.initiator, reason: r.reason, requestedAt: r.requestedAt, finishedAt: r.finishedAt, recoveryPointId: r.recoveryPointId, message: r.message })),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/rollbacks/{rollbackId}',
      summary: 'A rollback (or `latest`): phase, step, per-component progress and the executed steps',
      access: 'viewer',
      handle: async (event, deps) => {
        const { rollbackId } = parseParams(event.pathParameters, rollbackPath);
        const status = await deps.operations.status(rollbackId === 'latest' ? undefined : rollbackId);
        return ok({
          rollbackId: status.rollbackId,
          kind: status.kind,
          command: status.command,
          phase: status.phase,
          finished: isFinished(status.phase),
          step: status.step,
          recoveryPointId: status.recoveryPointId,
          initiator: status.initiator,
          reason: status.reason,
          requestedAt: status.requestedAt,
          finishedAt: status.finishedAt,
          message: status.message,
          ...(status.error ? { error: status.error.message, errorName: status.error.name } : {}),
          warnings: status.warnings,
          systemMode: status.mode.mode,
          components: status.components.map((c) => ({ component: c.component, phase: c.phase, written: c.written, deleted: c.deleted, unchanged: c.unchanged })),
          steps: await deps.history.steps(status.rollbackId),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/rollbacks/{rollbackId}/log',
      summary: "A rollback's log, one line per step",
      access: 'viewer',
      handle: async (event, deps) => {
        const { rollbackId } = parseParams(event.pathParameters, rollbackPath);
        const id = rollbackId === 'latest' ? (await deps.operations.record()).rollbackId : rollbackId;
        const log = await deps.operations.logs(id);
        return ok({ rollbackId: id, lines: log.split('\n').filter((l) => l !== '') });
      },
    },
    {
      method: 'POST',
      path: '/api/rollbacks/undo',
      summary: 'Undo the latest rollback from its safety snapshots (password confirmed again); 202',
      access: 'admin',
      body: undoRequest,
      status: 202,
      handle: async (event, deps, session) => {
        const request = parseBody(event, undoRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, 'rollback.undo');
        const result = await deps.operations.startUndo(who.username, {
          ...(request.rollbackId !== undefined ? { rollbackId: request.rollbackId } : {}),
          ...(request.reason ? { reason: request.reason } : {}),
          wait: false,
          source: who.source,
          origin: who.origin,
        });
        return ok(started(result), 202);
      },
    },
    {
      method: 'POST',
      path: '/api/rollbacks/cleanup',
      summary: 'After a crash: release a stale lock, return a dead rollback to its safety snapshots, leave recovery mode',
      access: 'admin',
      body: cleanupRequest,
      handle: async (event, deps, session) => {
        const request = parseBody(event, cleanupRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, 'rollback.cleanup');
        const result = await deps.operations.cleanupAs(who.username, { ...(request.reason ? { reason: request.reason } : {}), source: who.source });
        return ok({ rollbackId: result.rollbackId, actions: result.actions });
      },
    },
  ],
};
