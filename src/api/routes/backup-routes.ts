/** `/api/backups`: recovery points with their verification and drill state; take, verify and drill one. */
import { recoveryPointSummary } from '../../core/catalog.js';
import { componentByName } from '../../core/plan.js';
import { createBackupRequest, drillRequest, retentionRequest, verifyBackupRequest } from '../api-schemas.js';
import { ok, parseBody, sourceOf } from '../api-http.js';
import { signedIn, type RouteGroup } from '../admin-api.js';
import { confirmedAdministrator } from '../password-confirmation.js';
import { drillAnswer, drillFailure } from '../../rollback/restore-drill.js';

export const backupRoutes: RouteGroup = {
  name: 'backups',
  prefix: '/api/backups',
  routes: [
    {
      method: 'GET',
      path: '/api/backups',
      summary: 'Recovery points, newest first, with status, verification and last drill',
      access: 'viewer',
      handle: async (_event, deps) => {
        const points = await deps.operations.services.backups.listRecoveryPoints();
        return ok({ recoveryPoints: points.map((p) => recoveryPointSummary(p)) });
      },
    },
    {
      method: 'POST',
      path: '/api/backups',
      summary: 'Take a recovery point now (or one component snapshot) and verify it',
      access: 'operator',
      body: createBackupRequest,
      status: 201,
      handle: async (event, deps, session) => {
        const caller = signedIn(session);
        const request = parseBody(event, createBackupRequest);
        const backups = deps.operations.services.backups;
        const detail = request.component ? `component ${request.component}` : 'recovery point';
        // Safe mode leaves changes to administrators; recovery mode to the rollback (exit 6 / 409).
        await deps.operations.assertMayChange(caller.username, caller.level, 'backup.create', { source: sourceOf(event) });
        try {
          if (request.component !== undefined) {
            componentByName(deps.operations.services.plan, request.component);
            const snapshot = await backups.createComponentSnapshot(request.component, request.type ? { type: request.type } : {});
            await deps.audit.append({ actor: caller.username, action: 'backup.create', outcome: 'succeeded', detail: `${detail}: ${snapshot.snapshotId}`, source: sourceOf(event) });
            return ok({ snapshotId: snapshot.snapshotId, component: snapshot.component, items: snapshot.itemCount, bytes: snapshot.storedBytes, verifiedAt: snapshot.verifiedAt }, 201);
          }
          const point = await backups.createRecoveryPoint(request.type ? { type: request.type } : {});
          await deps.audit.append({ actor: caller.username, action: 'backup.create', outcome: point.status === 'Completed' ? 'succeeded' : 'failed', detail: `${detail}: ${point.recoveryPointId} ${point.status}`, source: sourceOf(event) });
          return ok({ recoveryPointId: point.recoveryPointId, status: point.status, snapshots: recoveryPointSummary(point).snapshots, verifiedAt: point.verifiedAt }, 201);
        } catch (err) {
          await deps.audit.append({ actor: caller.username, action: 'backup.create', outcome: 'refused', detail: `${detail}: ${err instanceof Error ? err.message : String(err)}`, source: sourceOf(event) });
          throw err;
        }
      },
    },
    {
      method: 'POST',
      path: '/api/backups/verify',
      summary: 'Decrypt and re-hash one recovery point, or all; 422 names the damaged object',
      access: 'operator',
      body: verifyBackupRequest,
      handle: async (event, deps, session) => {
        const caller = signedIn(session);
        const request = parseBody(event, verifyBackupRequest);
        const backups = deps.operations.services.backups;
        const outcomes = 'backupId' in request ? [await backups.verifyRecoveryPoint(request.backupId)] : await backups.verifyAll();
        const failed = outcomes.filter((o) => !o.ok);
        await deps.audit.append({ actor: caller.username, action: 'backup.verify', outcome: failed.length === 0 ? 'succeeded' : 'failed', detail: `${outcomes.length} point(s), ${failed.length} failed`, source: sourceOf(event) });
        const body = { results: outcomes.map((o) => ({ recoveryPointId: o.recoveryPointId, ok: o.ok, status: o.status, problems: o.problems })) };
        return failed.length === 0 ? ok(body) : { ...ok(body), statusCode: 422, body: JSON.stringify({ success: false, error: `verification failed: ${failed.map((f) => f.recoveryPointId).join(', ')}`, ...body }) };
      },
    },
    {
      method: 'POST',
      path: '/api/backups/drill',
      summary: 'Restore a point (default: the newest) into scratch copies, verify digests and validators, record the proof; 422 when it failed',
      access: 'operator',
      body: drillRequest,
      handle: async (event, deps, session) => {
        const caller = signedIn(session);
        const request = parseBody(event, drillRequest);
        const services = deps.operations.services;
        // An unknown id is a 404 before any scratch copy is made.
        if (request.backupId !== undefined) await services.backups.getRecoveryPoint(request.backupId);
        let outcome;
        try {
          outcome = await services.drills.run(request.backupId !== undefined ? { recoveryPointId: request.backupId } : {});
        } catch (err) {
          await deps.audit.append({ actor: caller.username, action: 'backup.drill', outcome: 'refused', detail: err instanceof Error ? err.message : String(err), source: sourceOf(event) });
          throw err;
        }
        const { record } = outcome;
        const passed = record.result === 'passed';
        await deps.audit.append({
          actor: caller.username,
          action: 'backup.drill',
          outcome: passed ? 'succeeded' : 'failed',
          detail: `${outcome.recoveryPointId} ${record.result} in ${String(record.durationMs)} ms (${String(record.items)} items)`,
          source: sourceOf(event),
        });
        const body = drillAnswer(outcome);
        if (passed) return ok(body);
        const error = drillFailure(outcome);
        return { ...ok(body), statusCode: 422, body: JSON.stringify({ success: false, error, ...body }) };
      },
    },
    {
      method: 'POST',
      path: '/api/backups/retention',
      summary: 'Apply the retention policy and delete data no kept point references (password confirmed again; dryRun only reports)',
      access: 'admin',
      body: retentionRequest,
      handle: async (event, deps, session) => {
        const request = parseBody(event, retentionRequest);
        if (request.dryRun) {
          return ok({ report: await deps.operations.services.backups.applyRetention({ dryRun: true }) });
        }
        const who = await confirmedAdministrator(event, deps, session, request.password ?? '', 'retention.apply');
        return ok({ report: await deps.operations.applyRetentionAs(who.username, { ...(request.reason ? { reason: request.reason } : {}), source: who.source }) });
      },
    },
  ],
};
