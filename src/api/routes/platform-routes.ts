/**
 * `/api/platform`: operational actions on the live WING components that are not restores
 * (src/rollback/platform-actions.ts): end every session (`auth:clear-cache`) and restart agents
 * (`agent:restart`). An administrator's session and the password typed again, then the mode
 * check, the rollback lock and the audit of RollbackOperations.changeAs.
 */
import { clearAuthCacheRequest, restartAgentsRequest } from '../api-schemas.js';
import { ok, parseBody } from '../api-http.js';
import type { RouteGroup } from '../admin-api.js';
import { confirmedAdministrator } from '../password-confirmation.js';

export const platformRoutes: RouteGroup = {
  name: 'platform',
  prefix: '/api/platform',
  routes: [
    {
      method: 'POST',
      path: '/api/platform/auth-cache/clear',
      summary: 'End every WING session: each session not revoked yet gets a revocation (password confirmed again)',
      access: 'admin',
      body: clearAuthCacheRequest,
      handle: async (event, deps, session) => {
        const request = parseBody(event, clearAuthCacheRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, 'auth.clear-cache');
        const result = await deps.operations.changeAs(who.username, 'auth.clear-cache', { reason: request.reason, source: who.source }, (r) => `${String(r.revoked)} session(s) revoked`, () =>
          deps.operations.services.actions.clearAuthCache(request.reason ?? ''),
        );
        return ok({ ...result });
      },
    },
    {
      method: 'POST',
      path: '/api/platform/agents/restart',
      summary: 'Restart every agent, or one: reset its runtime status and emit AgentRestartRequested (password confirmed again)',
      access: 'admin',
      body: restartAgentsRequest,
      handle: async (event, deps, session) => {
        const request = parseBody(event, restartAgentsRequest);
        const who = await confirmedAdministrator(event, deps, session, request.password, 'agent.restart');
        const result = await deps.operations.changeAs(who.username, 'agent.restart', { reason: request.reason, source: who.source }, (r) => `${String(r.agents.length)} agent(s) restarted`, () =>
          deps.operations.services.actions.restartAgents(request.agentId),
        );
        return ok({ ...result });
      },
    },
  ],
};
