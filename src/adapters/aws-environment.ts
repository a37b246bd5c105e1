/**
 * The Lambdas' configuration, read and validated once at cold start: the plan (as CDK passes it),
 * the KMS key, the event bus, the notification topic. A missing or bad variable fails the cold
 * start with one line naming it.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parsePlan, type Plan } from '../core/plan.js';

export interface AwsEnvironment {
  readonly plan: Plan;
  readonly kmsKeyId: string;
  readonly eventBusName: string;
  /** The administrators' topic and the users' service-notice topic. */
  readonly topicArns: { readonly admin: string; readonly users: string };
  readonly region: string | undefined;
}

const schema = z.object({
  WING_PLAN: z.string().min(2),
  WING_KMS_KEY_ID: z.string().min(1),
  WING_EVENT_BUS_NAME: z.string().min(1),
  WING_ADMIN_TOPIC_ARN: z.string().startsWith('arn:'),
  WING_USER_TOPIC_ARN: z.string().startsWith('arn:'),
  AWS_REGION: z.string().optional(),
});

export function readAwsEnvironment(env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const r = schema.safeParse(env);
  if (!r.success) throw new ValidationError(`bad Lambda environment: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  let plan: Plan;
  try {
    plan = parsePlan(JSON.parse(r.data.WING_PLAN));
  } catch (err) {
    throw new ValidationError(`bad Lambda environment: WING_PLAN is not a valid plan (${err instanceof Error ? err.message : String(err)})`);
  }
  return { plan, kmsKeyId: r.data.WING_KMS_KEY_ID, eventBusName: r.data.WING_EVENT_BUS_NAME, topicArns: { admin: r.data.WING_ADMIN_TOPIC_ARN, users: r.data.WING_USER_TOPIC_ARN }, region: r.data.AWS_REGION };
}

/** What the admin API's Lambdas need beyond the rollback services. */
export interface AdminApiEnvironment extends AwsEnvironment {
  readonly stateMachineArn: string;
  readonly sessionKeySecretArn: string;
  /** The secret the portal's CloudFront distribution sends as Referer (lambdas/portal-viewer.ts); absent: no request is trusted as the portal's. */
  readonly portalOriginSecretArn: string | undefined;
}

const apiSchema = z.object({
  WING_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  WING_SESSION_KEY_SECRET_ARN: z.string().startsWith('arn:'),
  WING_PORTAL_ORIGIN_SECRET_ARN: z.string().startsWith('arn:').optional(),
});

export function readAdminApiEnvironment(env: NodeJS.ProcessEnv = process.env): AdminApiEnvironment {
  const base = readAwsEnvironment(env);
  const r = apiSchema.safeParse(env);
  if (!r.success) throw new ValidationError(`bad Lambda environment: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return { ...base, stateMachineArn: r.data.WING_STATE_MACHINE_ARN, sessionKeySecretArn: r.data.WING_SESSION_KEY_SECRET_ARN, portalOriginSecretArn: r.data.WING_PORTAL_ORIGIN_SECRET_ARN };
}
