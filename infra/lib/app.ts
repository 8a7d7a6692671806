/** Builds the CDK app: one account-agnostic stack for the configured region, checked by cdk-nag. */
import { readFileSync } from 'node:fs';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { EchoCloudStack } from './echo-cloud-stack.ts';
import { readSettings } from './settings.ts';

export const STACK_NAME = 'EchoCloud';

/** cdk.json's context (feature flags and default settings), for runs without the CDK CLI (tests). */
export function cdkJsonContext(): Record<string, unknown> {
  const file = new URL('../cdk.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { context: Record<string, unknown> }).context;
}

/** A new app with cdk.json's context under `overrides` (the CLI's `-c` and CDK_CONTEXT_JSON still win). */
export function newApp(overrides: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJsonContext(), ...overrides } });
}

export function buildApp(app: App): EchoCloudStack {
  const settings = readSettings(app.node);
  const stack = new EchoCloudStack(app, STACK_NAME, {
    // Region only: the template stays account-agnostic, so synth needs no credentials and no lookups.
    env: { region: settings.region },
    description: 'EchoCloud: echocardiogram clip store and view classifier on S3, SQS, PostgreSQL and Spot GPU workers',
    settings,
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  Aspects.of(app).add(new HIPAASecurityChecks({ verbose: true }));
  return stack;
}
