/**
 * Least-privilege data access, written as explicit statements (not the L2 grant helpers, which add
 * wildcard actions such as s3:GetObject* and s3:List*): each role gets exactly the queue actions, object
 * prefixes and key uses its process performs.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface DataResources {
  bucket: s3.IBucket;
  queue: sqs.IQueue;
  key: kms.IKey;
  queueKey: kms.IKey;
}

/** The data key only through S3 and the queue key only through SQS (no direct encrypt/decrypt calls). */
function addKeyUse(role: iam.IRole, data: DataResources): void {
  const actions = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DataKeyViaS3',
      actions,
      resources: [data.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'QueueKeyViaSqs',
      actions,
      resources: [data.queueKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
    }),
  );
}

/** GPU worker: take jobs from its queue, read inputs/, write outputs/. */
export function grantWorkerData(role: iam.IRole, data: DataResources): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'TakeJobs',
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      resources: [data.queue.queueArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ReadInputs', actions: ['s3:GetObject'], resources: [data.bucket.arnForObjects('inputs/*')] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'WriteOutputs', actions: ['s3:PutObject'], resources: [data.bucket.arnForObjects('outputs/*')] }),
  );
  addKeyUse(role, data);
}

/**
 * API server: store uploads under inputs/ (itself or through presigned URLs it signs), read inputs/ and
 * outputs/ for downloads, list both prefixes, enqueue jobs and read the queue depth.
 */
export function grantApiData(role: iam.IRole, data: DataResources): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EnqueueJobs',
      actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
      resources: [data.queue.queueArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteInputs',
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [data.bucket.arnForObjects('inputs/*')],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadInputsAndOutputs',
      actions: ['s3:GetObject'],
      resources: [data.bucket.arnForObjects('inputs/*'), data.bucket.arnForObjects('outputs/*')],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ListInputsAndOutputs',
      actions: ['s3:ListBucket'],
      resources: [data.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': ['inputs/*', 'outputs/*'] } },
    }),
  );
  addKeyUse(role, data);
}
