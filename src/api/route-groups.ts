/**
 * Every route group of the admin API, in one list: the local server dispatches on their
 * prefixes, the CDK stack gives each its Lambda, and the OpenAPI document covers them all.
 */
import { ok } from './api-http.js';
import type { RouteGroup } from './admin-api.js';
import { openApiDocument } from './openapi.js';
import { auditRoutes } from './routes/audit-routes.js';
import { backupRoutes } from './routes/backup-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { rollbackRoutes } from './routes/rollback-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { visionLakeRoutes } from './routes/vision-lake-routes.js';
import { platformRoutes } from './routes/platform-routes.js';

export const API_VERSION = '1.0.0';

const dataGroups: readonly RouteGroup[] = [sessionRoutes, rollbackRoutes, backupRoutes, healthRoutes, auditRoutes, systemRoutes, visionLakeRoutes, platformRoutes];

/** `GET /api/openapi.json`: the document of every route group. */
export const docsRoutes: RouteGroup = {
  name: 'docs',
  prefix: '/api/openapi.json',
  routes: [
    {
      method: 'GET',
      path: '/api/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      access: 'public',
      handle: () => Promise.resolve(ok(openApiDocument([...dataGroups, docsRoutes], API_VERSION))),
    },
  ],
};

export const routeGroups: readonly RouteGroup[] = [...dataGroups, docsRoutes];

/** The group serving `path`, by prefix (`/api/rollbacks/rb-1` → rollbacks). */
export function routeGroupFor(path: string): RouteGroup | undefined {
  return routeGroups.find((g) => path === g.prefix || path.startsWith(`${g.prefix}/`));
}
