/** Admin API route group `sessions` (API Gateway REST proxy integration). */
import { sessionRoutes } from '../src/api/routes/session-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(sessionRoutes, awsAdminApiDeps);
