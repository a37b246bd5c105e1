/** Admin API route group `health` (API Gateway REST proxy integration). */
import { healthRoutes } from '../src/api/routes/health-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(healthRoutes, awsAdminApiDeps);
