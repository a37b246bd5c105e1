/** Admin API route group `rollbacks` (API Gateway REST proxy integration). */
import { rollbackRoutes } from '../src/api/routes/rollback-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(rollbackRoutes, awsAdminApiDeps);
