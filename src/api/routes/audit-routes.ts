/** `/api/audit`: the audit trail, newest first. */
import { auditQuery } from '../api-schemas.js';
import { ok, parseParams } from '../api-http.js';
import type { RouteGroup } from '../admin-api.js';

export const auditRoutes: RouteGroup = {
  name: 'audit',
  prefix: '/api/audit',
  routes: [
    {
      method: 'GET',
      path: '/api/audit',
      summary: 'The newest audit records: sign-ins, rollbacks, undo, safe mode, refusals',
      access: 'viewer',
      query: auditQuery,
      handle: async (event, deps) => {
        const query = parseParams(event.queryStringParameters, auditQuery);
        const records = await deps.audit.list({ limit: query.limit ?? 100 });
        return ok({ records: records.map((r) => ({ seq: r.seq, time: r.time, actor: r.actor, action: r.action, outcome: r.outcome, detail: r.detail })) });
      },
    },
  ],
};
