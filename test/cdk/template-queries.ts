/** Reading a synthesized template in the CDK tests: its resources, by type, and policy statements. */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

export const resources = (template: Template): Record<string, Resource> => (template.toJSON() as { Resources: Record<string, Resource> }).Resources;

/** The resources of a type, with their logical ids. */
export const entriesOfType = (template: Template, type: string): [string, Resource][] => Object.entries(resources(template)).filter(([, r]) => r.Type === type);

export const logicalId = (stack: Stack, element: unknown): string => stack.getLogicalId(element as CfnElement);

export const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
