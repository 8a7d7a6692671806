/**
 * The API on ECS Fargate (private subnets, two tasks in different zones) behind an internet-facing
 * Application Load Balancer: HTTPS only (TLS 1.3 policy, certificate by parameter), HTTP redirected to
 * HTTPS, invalid headers dropped, access logs to the log bucket. Browsers upload and download through
 * presigned S3 URLs, so clip bytes do not pass through the tasks.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantApiData } from './access.ts';

export const API_PORT = 8080;

export interface ApiServiceProps {
  vpc: ec2.IVpc;
  key: kms.IKey;
  queueKey: kms.IKey;
  bucket: s3.IBucket;
  logsBucket: s3.IBucket;
  queue: sqs.IQueue;
  databaseSecret: secretsmanager.ISecret;
  image: ecrAssets.DockerImageAsset;
  certificateArn: string;
  /** ECHO_CLOUD_* settings of the API process (no secrets). */
  settings: Record<string, string>;
}

export class ApiService extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;
  readonly adminToken: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.adminToken = new secretsmanager.Secret(this, 'AdminToken', {
      description: 'EchoCloud admin bearer token (ECHO_CLOUD_ADMIN_TOKEN)',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    task.addContainer('api', {
      image: ecs.ContainerImage.fromDockerImageAsset(props.image),
      portMappings: [{ containerPort: API_PORT }],
      environment: props.settings,
      secrets: {
        PGPASSWORD: ecs.Secret.fromSecretsManager(props.databaseSecret, 'password'),
        ECHO_CLOUD_ADMIN_TOKEN: ecs.Secret.fromSecretsManager(this.adminToken),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api', logGroup }),
      readonlyRootFilesystem: false,
      user: '10001',
    });
    grantApiData(task.taskRole, { bucket: props.bucket, queue: props.queue, key: props.key, queueKey: props.queueKey });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      circuitBreaker: { rollback: true },
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
      deletionProtection: true,
    });
    this.loadBalancer.logAccessLogs(props.logsBucket, 'load-balancer');
    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      open: true,
    });
    this.httpsListener.addTargets('Api', {
      port: API_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: '/healthz', healthyHttpCodes: '200', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
  }
}
