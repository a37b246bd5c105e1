/** Admin API route group `platform` (API Gateway REST proxy integration). */
import { platformRoutes } from '../src/api/routes/platform-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(platformRoutes, awsAdminApiDeps);
