/**
 * Data at rest: the customer-managed KMS key, the bucket (inputs/ and outputs/), its access-log bucket,
 * the job queue with its dead-letter queue, and the S3 → SQS notification that turns every object created
 * under inputs/ into a job (the message format AWS delivers, which the SQS queue adapter accepts).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface StorageProps {
  maxReceiveCount: number;
  /** Web app origins allowed to PUT/GET presigned URLs from a browser (CORS); empty: no CORS rule. */
  webAppOrigins: string[];
}

export class Storage extends Construct {
  readonly key: kms.Key;
  readonly queueKey: kms.Key;
  readonly logsBucket: s3.Bucket;
  readonly bucket: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    this.key = new kms.Key(this, 'Key', {
      description: 'EchoCloud: clips, results, queue messages, database, secrets and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The queues get their own key: S3 sends the notifications, and the grant SqsDestination adds to the
    // queue key names the bucket, which is encrypted with the data key (one key for both is a cycle).
    this.queueKey = new kms.Key(this, 'QueueKey', {
      description: 'EchoCloud: job and dead-letter queue messages',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Encrypted CloudWatch log groups (VPC flow logs, API and worker logs).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Stack.of(this).partition}:logs:${region}:${Stack.of(this).account}:*` },
        },
      }),
    );

    // S3 server access logs and ALB access logs: both services deliver only to SSE-S3 buckets.
    this.logsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });

    this.bucket = new s3.Bucket(this, 'Data', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      // Browsers of the web app send uploads straight here with presigned PUTs (and fetch presigned
      // downloads): the signed URL is the permission, CORS only lets the app's pages make the request.
      // if-none-match (a presigned upload writes its key once) and x-amz-* (the signed encryption headers)
      // are headers a presigned PUT must carry.
      ...(props.webAppOrigins.length > 0
        ? {
            cors: [
              {
                id: 'web-app-presigned',
                allowedOrigins: props.webAppOrigins,
                allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowedHeaders: ['content-type', 'if-none-match', 'x-amz-*'],
                exposedHeaders: ['ETag'],
                maxAge: 3000,
              },
            ],
          }
        : {}),
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
        // Overwritten or deleted clips and results stay recoverable for 30 days, then go.
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) },
        {
          id: 'inputs-to-infrequent-access',
          prefix: 'inputs/',
          transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }],
        },
      ],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Jobs', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // Workers extend it by heartbeat while a job runs (ECHO_CLOUD_VISIBILITY_SECONDS).
      visibilityTimeout: Duration.seconds(60),
      receiveMessageWaitTime: Duration.seconds(20),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(this.queue),
      { prefix: 'inputs/' },
    );
  }
}
