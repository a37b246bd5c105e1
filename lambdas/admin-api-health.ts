/** Admin API route group `health` (API Gateway REST proxy integration). */
import { healthRoutes } from '../src/api/routes/health-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';
import { behindPortal } from './portal-viewer.js';

// The portal's requests are judged by the administrator's address, not CloudFront's (portal-viewer.ts).
export const handler = behindPortal(routeGroupHandler(healthRoutes, awsAdminApiDeps));
