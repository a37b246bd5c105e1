/** `/api/system`: the system mode (normal, recovery, safe); enter or leave safe mode. */
import type { SystemModeState } from '../../core/system-mode.js';
import { safeModeRequest } from '../api-schemas.js';
import { ok, parseBody } from '../api-http.js';
import type { RouteGroup } from '../admin-api.js';
import { confirmedAdministrator } from '../password-confirmation.js';

function modeBody(m: SystemModeState): Record<string, unknown> {
  return { mode: m.mode, changedAt: m.changedAt, reason: m.reason, rollbackId: m.rollbackId };
}

export const systemRoutes: RouteGroup = {
  name: 'system',
  prefix: '/api/system',
  routes: [
    {
      method: 'GET',
      path: '/api/system',
      summary: 'The system mode',
      access: 'viewer',
      handle: async (_event, deps) => {
        return ok(modeBody(await deps.operations.services.modes.get()));
      },
    },
    {
      method: 'POST',
      path: '/api/system/safe-mode',
      summary: 'Enter or leave safe mode (password confirmed again)',
      access: 'admin',
      body: safeModeRequest,
      handle: async (event, deps, session) => {
        const request = parseBody(event, safeModeRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, request.enabled ? 'system.safeMode.enter' : 'system.safeMode.leave');
        return ok(modeBody(await deps.operations.setSafeMode(who.username, { enabled: request.enabled, reason: request.reason, source: who.source })));
      },
    },
  ],
};
