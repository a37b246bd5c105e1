/** Admin API route group `backups` (API Gateway REST proxy integration). */
import { backupRoutes } from '../src/api/routes/backup-routes.js';
import { routeGroupHandler } from '../src/api/admin-api.js';
import { awsAdminApiDeps } from './admin-api-deps.js';

export const handler = routeGroupHandler(backupRoutes, awsAdminApiDeps);
