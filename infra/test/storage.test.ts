import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { type Json, onlyResource, synthesize } from './synth.ts';

const { template } = synthesize();

describe('storage: key, buckets, queues, notification', () => {
  it('both KMS keys rotate', () => {
    const keys = template.findResources('AWS::KMS::Key');
    assert.equal(Object.keys(keys).length, 2);
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('the data bucket: SSE-KMS with the key, public access blocked, versioned, access logs, lifecycle rules', () => {
    const key = onlyResource(template, 'AWS::KMS::Key', 'StorageKey');
    const logs = onlyResource(template, 'AWS::S3::Bucket', 'StorageAccessLogs');
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key.id, 'Arn'] } } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs.id }, LogFilePrefix: 'data-bucket/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Status: 'Enabled' }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'inputs/', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }] }),
        ]),
      },
    });
  });

  it('every bucket denies requests without TLS', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const buckets = Object.keys(template.findResources('AWS::S3::Bucket'));
    assert.equal(buckets.length, 2);
    for (const bucket of buckets) {
      const policy = Object.values(policies).find((p: Json) => p.Properties.Bucket.Ref === bucket) as Json;
      assert.ok(policy, `bucket ${bucket} has a policy`);
      const denyPlainHttp = policy.Properties.PolicyDocument.Statement.find(
        (s: Json) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      );
      assert.ok(denyPlainHttp, `bucket ${bucket} denies aws:SecureTransport=false`);
      assert.equal(denyPlainHttp.Action, 's3:*');
    }
  });

  it('the job queue: KMS, redrive to the DLQ after MaxReceiveCount receives; the DLQ keeps 14 days', () => {
    const queueKey = onlyResource(template, 'AWS::KMS::Key', 'StorageQueueKey');
    const dlq = onlyResource(template, 'AWS::SQS::Queue', 'StorageDeadLetters');
    assert.equal(dlq.props.MessageRetentionPeriod, 14 * 24 * 3600);
    assert.deepEqual(dlq.props.KmsMasterKeyId, { 'Fn::GetAtt': [queueKey.id, 'Arn'] });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [queueKey.id, 'Arn'] },
      ReceiveMessageWaitTimeSeconds: 20,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq.id, 'Arn'] }, maxReceiveCount: { Ref: 'MaxReceiveCount' } },
    });
    template.hasParameter('MaxReceiveCount', { Type: 'Number', Default: 5 });
  });

  it('both queues refuse plain HTTP', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as Json[];
    const denies = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter(
      (s: Json) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    assert.equal(denies.length, 2);
  });

  it('objects created under inputs/ notify the job queue (and nothing else does)', () => {
    const queue = onlyResource(template, 'AWS::SQS::Queue', 'StorageJobs');
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inputs/' }] } },
            QueueArn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
          },
        ],
      },
    });
  });

  it('the data bucket has a CORS rule for the web app origins given as context (presigned browser PUT/GET), and none without them', () => {
    const data = (t: typeof template) => onlyResource(t, 'AWS::S3::Bucket', 'StorageData').props;
    assert.equal(data(template).CorsConfiguration, undefined, 'no webAppOrigins in cdk.json: no CORS rule');
    const origins = ['https://echo.example.org', 'https://echo-staging.example.org'];
    const withCors = synthesize({ webAppOrigins: origins.join(',') }).template;
    assert.deepEqual(data(withCors).CorsConfiguration, {
      CorsRules: [
        {
          Id: 'web-app-presigned',
          AllowedOrigins: origins,
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
          AllowedHeaders: ['content-type', 'if-none-match', 'x-amz-*'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3000,
        },
      ],
    });
    // The access-log bucket never gets one.
    assert.equal(onlyResource(withCors, 'AWS::S3::Bucket', 'StorageAccessLogs').props.CorsConfiguration, undefined);
  });
});
