/** Admin API route group `audit` (API Gateway REST proxy integration). */
import { auditRoutes } from '../src/api/routes/audit-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(auditRoutes, awsAdminApiDeps);
