/** Admin API route group `vision-lake` (API Gateway REST proxy integration). */
import { visionLakeRoutes } from '../src/api/routes/vision-lake-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(visionLakeRoutes, awsAdminApiDeps);
