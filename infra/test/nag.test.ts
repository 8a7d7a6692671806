import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { EchoCloudStack } from '../lib/echo-cloud-stack.ts';
import { synthesize } from './synth.ts';

function findings(context: Record<string, unknown>, change?: (stack: EchoCloudStack) => void): string[] {
  return findingsOf(synthesize(context, change).stack);
}

function findingsOf(stack: EchoCloudStack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())].map(
    (m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`,
  );
}

describe('cdk-nag AwsSolutions + HIPAA.Security', () => {
  it('the default stack has no unacknowledged error or warning', () => {
    assert.deepEqual(findings({}), []);
  });

  it('with the Cognito user pool and no warm pool, still none', () => {
    const { stack, template } = synthesize({ cognito: true, warmPoolSize: 0 });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      Policies: { PasswordPolicy: { MinimumLength: 14, RequireSymbols: true } },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    assert.deepEqual(findingsOf(stack), []);
  });

  it('the checks really run: an unencrypted queue without a dead-letter queue or TLS policy is reported', () => {
    const found = findings({}, (stack) => {
      new sqs.Queue(stack, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    assert.ok(found.some((f) => f.includes('AwsSolutions-SQS3')), found.join('\n'));
    assert.ok(found.some((f) => f.includes('AwsSolutions-SQS4')), found.join('\n'));
    assert.ok(found.some((f) => f.includes('AwsSolutions-SQS2')), found.join('\n'));
  });

  it('every acknowledgement states its reason', () => {
    const source = readFileSync(new URL('../lib/nag-acknowledgements.ts', import.meta.url), 'utf8');
    const ids = [...source.matchAll(/id: '([^']+)'/g)].map((m) => m[1]);
    const reasons = [...source.matchAll(/reason:\s*\n?\s*'([^']{20,})/g)];
    assert.ok(ids.length >= 15, `${ids.length} acknowledgements`);
    assert.equal(reasons.length, ids.length, 'every acknowledgement states a reason of some length');
  });
});
