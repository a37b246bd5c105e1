/**
 * What the deployed stack tells the CLI (`--target aws`): the outputs of its CloudFormation
 * stack, by these names. The CDK stack declares them from the same constants, so the CLI and
 * the stack cannot disagree on a name.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { z } from 'zod';
import { ValidationError, WingError } from '../core/errors.js';

export const STACK_OUTPUTS = {
  adminApiUrl: 'AdminApiUrl',
  portalUrl: 'PortalUrl',
  systemTableName: 'SystemTableName',
  vaultBucketName: 'VaultBucketName',
  auditBucketName: 'AuditBucketName',
  kmsKeyArn: 'KmsKeyArn',
  eventBusName: 'EventBusName',
  adminTopicArn: 'AdminTopicArn',
  userTopicArn: 'UserNoticeTopicArn',
  stateMachineArn: 'RollbackStateMachineArn',
  planDigest: 'PlanDigest',
} as const;

export const DEFAULT_STACK_NAME = 'WingRollback';

const outputsSchema = z.object({
  adminApiUrl: z.url(),
  portalUrl: z.url().optional(),
  systemTableName: z.string().min(3),
  vaultBucketName: z.string().min(3),
  auditBucketName: z.string().min(3),
  kmsKeyArn: z.string().startsWith('arn:'),
  eventBusName: z.string().min(1),
  adminTopicArn: z.string().startsWith('arn:'),
  userTopicArn: z.string().startsWith('arn:'),
  stateMachineArn: z.string().startsWith('arn:'),
  planDigest: z.string().regex(/^[0-9a-f]{64}$/),
});

export type StackOutputs = z.infer<typeof outputsSchema>;

/** The outputs of `stackName`; one clear error when the stack or an output is missing. */
export async function readStackOutputs(client: CloudFormationClient, stackName: string, region: string): Promise<StackOutputs> {
  let outputs: Record<string, string>;
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new ValidationError(`no stack ${stackName} in ${region}`);
    outputs = Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (err instanceof ValidationError || (name === 'ValidationError' && /does not exist/.test((err as Error).message))) {
      throw new ValidationError(`no stack ${stackName} in ${region}: deploy it with "npx cdk deploy", or name yours with --stack NAME --region R`);
    }
    if (name === 'CredentialsProviderError' || name === 'ExpiredTokenException' || name === 'UnrecognizedClientException') {
      throw new WingError(`no usable AWS credentials for ${region} (${(err as Error).message.split('\n')[0] ?? ''}): configure them (AWS_PROFILE, aws sso login) and try again`);
    }
    throw err;
  }
  const byField = Object.fromEntries(Object.entries(STACK_OUTPUTS).map(([field, key]) => [field, outputs[key]]));
  const parsed = outputsSchema.safeParse(byField);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((i) => STACK_OUTPUTS[String(i.path[0]) as keyof typeof STACK_OUTPUTS]).join(', ');
    throw new WingError(`stack ${stackName} lacks the outputs ${missing}: is it a Wing Rollback stack of this version? (redeploy with "npx cdk deploy")`);
  }
  return parsed.data;
}
