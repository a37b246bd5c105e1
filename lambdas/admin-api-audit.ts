/** Admin API route group `audit` (API Gateway REST proxy integration). */
import { auditRoutes } from '../src/api/routes/audit-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';
import { behindPortal } from './portal-viewer.js';

// The portal's requests are judged by the administrator's address, not CloudFront's (portal-viewer.ts).
export const handler = behindPortal(routeGroupHandler(auditRoutes, awsAdminApiDeps));
