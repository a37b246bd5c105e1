/** `/api/system`: the system mode (normal, recovery, safe); enter or leave safe mode. */
import { CredentialCheck } from '../../core/credentials.js';
import type { SystemModeState } from '../../core/system-mode.js';
import { safeModeRequest } from '../api-schemas.js';
import { authorize, ok, parseBody, sourceOf } from '../api-http.js';
import type { RouteGroup } from '../admin-api.js';

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
      handle: async (event, deps) => {
        await authorize(event, deps.sessions, 'viewer');
        return ok(modeBody(await deps.operations.services.modes.get()));
      },
    },
    {
      method: 'POST',
      path: '/api/system/safe-mode',
      summary: 'Enter or leave safe mode (password confirmed again)',
      access: 'admin',
      body: safeModeRequest,
      handle: async (event, deps) => {
        const request = parseBody(event, safeModeRequest);
        const session = await authorize(event, deps.sessions, 'admin');
        const action = request.enabled ? 'system.safeMode.enter' : 'system.safeMode.leave';
        try {
          await new CredentialCheck(deps.admins, deps.operations.services.clock).confirmPassword(session.username, request.password);
          const mode = await deps.operations.setSafeMode(session.username, { enabled: request.enabled, reason: request.reason });
          await deps.audit.append({ actor: session.username, action, outcome: 'succeeded', detail: request.reason || '(no reason given)', source: sourceOf(event) });
          return ok(modeBody(mode));
        } catch (err) {
          await deps.audit.append({ actor: session.username, action, outcome: 'refused', detail: err instanceof Error ? err.message : String(err), source: sourceOf(event) });
          throw err;
        }
      },
    },
  ],
};
