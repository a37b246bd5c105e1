/**
 * `/api/vision-lake`: `POST /api/vision-lake/resync` rebuilds the vision-lake index from the
 * documents, as `resync:vision-lake` † does in the CLI: an administrator's session and the
 * password typed again, then the mode check, the rollback lock and the audit of
 * RollbackOperations.changeAs. The answer is the resync's counts.
 */
import { describeResync, VisionLakeMaintenance } from '../../rollback/vision-lake-maintenance.js';
import { resyncVisionLakeRequest } from '../api-schemas.js';
import { ok, parseBody } from '../api-http.js';
import type { RouteGroup } from '../admin-api.js';
import { confirmedAdministrator } from '../password-confirmation.js';

const RESYNC_ACTION = 'vision-lake.resync';

export const visionLakeRoutes: RouteGroup = {
  name: 'vision-lake',
  prefix: '/api/vision-lake',
  routes: [
    {
      method: 'POST',
      path: '/api/vision-lake/resync',
      summary: 'Rebuild the vision-lake index from the documents; force also removes entries whose document is gone (password confirmed again)',
      access: 'admin',
      body: resyncVisionLakeRequest,
      handle: async (event, deps, session) => {
        const request = parseBody(event, resyncVisionLakeRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, RESYNC_ACTION);
        const s = deps.operations.services;
        // No vault: a resync compares the live index with the live documents only.
        const maintenance = new VisionLakeMaintenance({ plan: s.plan, sources: s.sources, backups: s.backups, clock: s.clock });
        const report = await deps.operations.changeAs(who.username, RESYNC_ACTION, { reason: request.reason, source: who.source }, describeResync, () => maintenance.resync({ force: request.force }));
        return ok({ ...report });
      },
    },
  ],
};
