/**
 * The CLI's `--target aws`: the deployed stack, found from its CloudFormation outputs. Read-only
 * commands read the system table and the vault directly (the caller's IAM permissions are the
 * authority, as the state folder is locally); † commands go through the deployed admin API, so
 * they pass its sign-in, limits and audit. The local plan must be the one the stack was built
 * from (compared by digest), or names and components would not match.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AdminApiClient } from '../api/admin-api-client.js';
import { ValidationError } from '../core/errors.js';
import { planDigest, type Plan } from '../core/plan.js';
import { RollbackOperations } from '../rollback/rollback-operations.js';
import type { RollbackServices } from '../rollback/rollback-services.js';
import { awsRollbackServicesFor } from './aws-rollback-wiring.js';
import { StepFunctionsExecutor } from './step-functions-executor.js';
import { readStackOutputs, type StackOutputs } from './stack-outputs.js';

export interface AwsTargetOptions {
  readonly stackName: string;
  readonly region: string;
  /** The local plan (the same file drives local mode and the CDK app). */
  readonly plan: Plan;
  readonly cloudFormation?: CloudFormationClient;
}

export interface AwsTarget {
  readonly outputs: StackOutputs;
  readonly plan: Plan;
  readonly services: RollbackServices;
  readonly backups: RollbackServices['backups'];
  readonly operations: RollbackOperations;
  /** The deployed admin API (its URL from the outputs). */
  readonly api: AdminApiClient;
  close(): Promise<void>;
}

/** `--region`, else AWS_REGION / AWS_DEFAULT_REGION; one clear error without any. */
export function awsRegion(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = flag ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new ValidationError('--target aws needs a region: --region R or AWS_REGION');
  return region;
}

export async function openAwsTarget(options: AwsTargetOptions): Promise<AwsTarget> {
  const cloudFormation = options.cloudFormation ?? new CloudFormationClient({ region: options.region });
  const outputs = await readStackOutputs(cloudFormation, options.stackName, options.region);
  const plan: Plan = { ...options.plan, systemTable: outputs.systemTableName, vaultBucket: outputs.vaultBucketName, auditBucket: outputs.auditBucketName };
  if (planDigest(plan) !== outputs.planDigest) {
    throw new ValidationError(`the local plan differs from the one stack ${options.stackName} was deployed with: use the deployed plan (WING_HOME/plan.json), or deploy this one with "npx cdk deploy"`);
  }
  const services = awsRollbackServicesFor({ plan, kmsKeyId: outputs.kmsKeyArn, eventBusName: outputs.eventBusName, topicArns: { admin: outputs.adminTopicArn, users: outputs.userTopicArn }, region: options.region });
  const operations = new RollbackOperations({ services, executor: new StepFunctionsExecutor(new SFNClient({ region: options.region }), outputs.stateMachineArn) });
  const api = new AdminApiClient(outputs.adminApiUrl.replace(/\/+$/, ''));
  return {
    outputs,
    plan,
    services,
    backups: services.backups,
    operations,
    api,
    close: () => {
      cloudFormation.destroy();
      return Promise.resolve();
    },
  };
}
