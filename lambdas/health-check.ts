/** Lambda of the rollback state machine's `HealthCheck` Task (see rollback-task-handlers.ts). */
import { awsTaskHandlers } from './aws-rollback-services.js';

export const handler = awsTaskHandlers.HealthCheck;
