/**
 * Acknowledging cdk-nag findings (v3: CDK's Validations API). IAM5 reports each wildcard resource
 * as its own finding, `AwsSolutions::AwsSolutions-IAM5[Resource::<resource>]`, the resource flattened the way
 * cdk-nag flattens it (`<Logical.Arn>/*`, `arn:<AWS::Partition>:...`); this builds that id from
 * the ARN token, so an acknowledgement names exactly one wildcard and follows renames.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** The finding id of a wildcard resource in a policy of `scope`'s stack. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions::AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges the wildcard `resource` in the policies of `scope` (and below), with why it cannot be narrower. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: wildcardResourceFinding(scope, resource), reason });
}
