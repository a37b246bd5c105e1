/** `/api/health`: the health of every component (or one), as `health:check` reports it. */
import { healthQuery } from '../api-schemas.js';
import { ok, parseParams } from '../api-http.js';
import type { RouteGroup } from '../admin-api.js';

export const healthRoutes: RouteGroup = {
  name: 'health',
  prefix: '/api/health',
  routes: [
    {
      method: 'GET',
      path: '/api/health',
      summary: 'Health of all components or one: reachable, and the component validators on the live data',
      access: 'viewer',
      query: healthQuery,
      handle: async (event, deps) => {
        const query = parseParams(event.queryStringParameters, healthQuery);
        const report = await deps.operations.services.healthWatch.check(query.component !== undefined ? { component: query.component } : {});
        return ok({
          status: report.status,
          checkedAt: report.checkedAt,
          components: report.components.map((c) => ({ component: c.component, status: c.status, checks: c.checks.map((k) => ({ name: k.name, ok: k.ok, detail: k.detail })) })),
        });
      },
    },
  ],
};
