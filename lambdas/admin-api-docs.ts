/** Admin API route group `docs` (API Gateway REST proxy integration). */
import { docsRoutes } from '../src/api/route-groups.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(docsRoutes, awsAdminApiDeps);
