/** Admin API route group `system` (API Gateway REST proxy integration). */
import { systemRoutes } from '../src/api/routes/system-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(systemRoutes, awsAdminApiDeps);
