/** Test helper: synthesizes the app once per test file (with cdk.json's context plus overrides). */
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, newApp } from '../lib/app.ts';
import type { EchoCloudStack } from '../lib/echo-cloud-stack.ts';

/** Synthesized CloudFormation JSON, untyped by nature; tests read it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON has no static type.
export type Json = any;

export interface Synthesized {
  stack: EchoCloudStack;
  template: Template;
}

export function synthesize(context: Record<string, unknown> = {}, change?: (stack: EchoCloudStack) => void): Synthesized {
  const app = newApp(context);
  const stack = buildApp(app);
  change?.(stack);
  return { stack, template: Template.fromStack(stack) };
}

/** The one resource of `type` whose logical id starts with `prefix` (fails when not exactly one). */
export function onlyResource(template: Template, type: string, prefix: string): { id: string; props: Record<string, Json> } {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  const [id, resource] = found[0]!;
  return { id, props: (resource as { Properties: Record<string, Json> }).Properties };
}

/** Every IAM statement attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: string): Record<string, Json>[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: Record<string, Json> }[];
  return policies
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, Json>[]);
}
