/**
 * EchoCloud on AWS in one stack: storage and queue, network, PostgreSQL, the API on Fargate, the Spot GPU
 * workers and (optionally) a Cognito user pool. `npx cdk deploy` builds both container images from the
 * repository's Dockerfiles and pushes them to the bootstrap ECR repository.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import type { Construct } from 'constructs';
import { ApiService, API_PORT } from './api-service.ts';
import { DATABASE_NAME, DATABASE_USER, Database } from './database.ts';
import { Identity } from './identity.ts';
import { Network } from './network.ts';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { declareParameters } from './parameters.ts';
import type { Settings } from './settings.ts';
import { Storage } from './storage.ts';
import { WorkerFleet } from './worker-fleet.ts';

/** The repository root: the Docker build context of both images. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface EchoCloudStackProps extends StackProps {
  settings: Settings;
}

export class EchoCloudStack extends Stack {
  readonly storage: Storage;
  readonly network: Network;
  readonly database: Database;
  readonly api: ApiService;
  readonly workers: WorkerFleet;
  readonly identity: Identity | undefined;

  constructor(scope: Construct, id: string, props: EchoCloudStackProps) {
    super(scope, id, props);
    const { settings } = props;
    Tags.of(this).add('application', 'echo-cloud');
    const parameters = declareParameters(this);

    this.storage = new Storage(this, 'Storage', { maxReceiveCount: parameters.maxReceiveCount, webAppOrigins: settings.webAppOrigins });
    const { key, queueKey, bucket, logsBucket, queue } = this.storage;
    this.network = new Network(this, 'Network', { availabilityZones: settings.availabilityZones, key });
    const { vpc } = this.network;
    this.database = new Database(this, 'Database', { vpc, key });
    this.identity = settings.cognito ? new Identity(this, 'Identity') : undefined;

    const common: Record<string, string> = {
      AWS_REGION: Aws.REGION,
      ECHO_CLOUD_STORE: `s3://${bucket.bucketName}`,
      // The app takes the queue by name (sqs://<name>) and looks its URL up in the region.
      ECHO_CLOUD_QUEUE: `sqs://${queue.queueName}`,
      ECHO_CLOUD_DATABASE:
        `postgres://${DATABASE_USER}@${this.database.cluster.clusterEndpoint.hostname}:` +
        `${this.database.cluster.clusterEndpoint.port}/${DATABASE_NAME}?sslmode=no-verify`,
      ECHO_CLOUD_MAX_RECEIVES: String(parameters.maxReceiveCount),
      ECHO_CLOUD_LOG_LEVEL: 'info',
      ECHO_CLOUD_MODEL: settings.model,
      // Uploads arrive through the API and S3 events; no instance has an inbox folder.
      ECHO_CLOUD_INBOX: 'false',
    };

    const apiImage = new ecrAssets.DockerImageAsset(this, 'ApiImage', {
      directory: REPOSITORY_ROOT,
      file: 'Dockerfile',
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
    this.api = new ApiService(this, 'Api', {
      vpc,
      key,
      queueKey,
      bucket,
      logsBucket,
      queue,
      databaseSecret: this.database.secret,
      image: apiImage,
      certificateArn: parameters.certificateArn,
      settings: {
        ...common,
        ECHO_CLOUD_ROLE: 'api',
        ECHO_CLOUD_HOST: '0.0.0.0',
        ECHO_CLOUD_PORT: String(API_PORT),
        ECHO_CLOUD_WORKERS: '0',
        ...(this.identity ? { ECHO_CLOUD_OIDC_ISSUER: this.identity.issuer, ECHO_CLOUD_OIDC_AUDIENCE: this.identity.client.userPoolClientId } : {}),
      },
    });
    this.database.allowFrom(this.api.service, 'API tasks');

    const workerImage = new ecrAssets.DockerImageAsset(this, 'WorkerImage', {
      directory: REPOSITORY_ROOT,
      file: 'Dockerfile.worker',
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
    this.workers = new WorkerFleet(this, 'Workers', {
      vpc,
      key,
      queueKey,
      bucket,
      queue,
      databaseSecret: this.database.secret,
      image: workerImage,
      imageId: parameters.workerImageId,
      settings: {
        ...common,
        ECHO_CLOUD_ROLE: 'worker',
        ECHO_CLOUD_WORKERS: '1',
        ECHO_CLOUD_EXECUTION_PROVIDERS: 'cuda,cpu',
      },
      maxInstances: settings.workerMaxInstances,
      warmPoolSize: settings.warmPoolSize,
      backlogPerInstance: settings.backlogPerInstance,
    });
    this.database.allowFrom(this.workers.securityGroup, 'GPU workers');

    new CfnOutput(this, 'ApiUrl', { value: `https://${this.api.loadBalancer.loadBalancerDnsName}` });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'QueueUrl', { value: queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.storage.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AdminTokenSecret', { value: this.api.adminToken.secretArn });
    if (this.identity) new CfnOutput(this, 'OidcIssuer', { value: this.identity.issuer });

    acknowledgeFindings(this);
  }
}
