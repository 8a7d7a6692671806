/**
 * The GPU workers: two Auto Scaling groups sharing one role, security group and launch-template settings.
 *
 * - `SpotWorkers`: the bulk of the fleet. Mixed-instances policy over several GPU types, every zone,
 *   100 % Spot with the capacity-optimized strategy, capacity rebalancing, min 0, instance warm-up, target
 *   tracking on backlog per instance and a scale-from-zero step policy.
 * - `ResponderWorkers`: one instance type, on-demand, with a warm pool of stopped instances (context
 *   `warmPoolSize`). EC2 Auto Scaling refuses a warm pool on a group with a mixed-instances policy or Spot
 *   instances (PutWarmPool), so the fast first start lives in its own small group: a stopped, initialised
 *   instance (image pulled) resumes in about a minute where a cold Spot launch takes several.
 *
 * Workers set scale-in protection on their own instance while busy (autoscaling:SetInstanceProtection,
 * allowed on these two groups only), so scale-in never cuts a running job.
 */
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantWorkerData } from './access.ts';
import { workerUserData } from './worker-user-data.ts';
import { addBacklogTargetTracking, addScaleFromZero, addScaleToZeroWhenIdle } from './worker-scaling.ts';

/** Single-GPU instance types the Spot group may launch (NVIDIA T4, A10G, L4, T4 ×2 vCPU). */
export const SPOT_INSTANCE_TYPES = ['g4dn.xlarge', 'g5.xlarge', 'g6.xlarge', 'g4dn.2xlarge', 'g5.2xlarge', 'g6.2xlarge'];
/** The responder group's on-demand type (warm pools need one type and no Spot). */
export const RESPONDER_INSTANCE_TYPE = 'g4dn.xlarge';
/** Lifecycle hook the responder's first boot completes once the image is on disk. */
export const IMAGE_READY_HOOK = 'image-ready';

export interface WorkerFleetProps {
  vpc: ec2.IVpc;
  key: kms.IKey;
  queueKey: kms.IKey;
  bucket: s3.IBucket;
  queue: sqs.IQueue;
  databaseSecret: secretsmanager.ISecret;
  image: ecrAssets.DockerImageAsset;
  imageId: string;
  /** ECHO_CLOUD_* settings of the worker process. */
  settings: Record<string, string>;
  maxInstances: number;
  warmPoolSize: number;
  backlogPerInstance: number;
}

export class WorkerFleet extends Construct {
  readonly role: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly spotGroup: autoscaling.AutoScalingGroup;
  readonly responderGroup: autoscaling.AutoScalingGroup | undefined;
  readonly spotGroupName: string;
  readonly responderGroupName: string;
  /** Launch, launch-error, termination and termination-error events of both groups. */
  readonly events: sns.Topic;

  constructor(scope: Construct, id: string, props: WorkerFleetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.spotGroupName = `${stack.stackName}-spot-workers`;
    this.responderGroupName = `${stack.stackName}-responder-workers`;
    const responders = props.warmPoolSize;
    const spotMax = props.maxInstances - responders;
    if (spotMax < 1) throw new Error('context workerMaxInstances must exceed warmPoolSize (the Spot group needs ≥ 1)');

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EchoCloud GPU worker: its queue, inputs/ read, outputs/ write, its own scale-in protection',
    });
    grantWorkerData(this.role, { bucket: props.bucket, queue: props.queue, key: props.key, queueKey: props.queueKey });
    props.databaseSecret.grantRead(this.role);
    props.image.repository.grantPull(this.role);
    logGroup.grantWrite(this.role);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnInstanceLifecycle',
        actions: ['autoscaling:SetInstanceProtection', 'autoscaling:CompleteLifecycleAction'],
        // The group ARN carries a UUID assigned at creation; the name part pins it to these groups.
        resources: [this.spotGroupName, this.responderGroupName].map(
          (name) => `arn:${Aws.PARTITION}:autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}:autoScalingGroup:*:autoScalingGroupName/${name}`,
        ),
      }),
    );

    // Auto Scaling's service-linked role encrypts the instances' EBS volumes and publishes to the topic.
    const autoScalingServiceRole = new iam.ArnPrincipal(
      `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AutoScalingUsesKeyForVolumesAndEvents',
        principals: [autoScalingServiceRole],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AutoScalingGrantsForAttachedVolumes',
        principals: [autoScalingServiceRole],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    );
    this.events = new sns.Topic(this, 'Events', {
      displayName: 'EchoCloud GPU worker scaling events',
      masterKey: props.key,
      enforceSSL: true,
    });
    const notifications = [{ topic: this.events, scalingEvents: autoscaling.ScalingEvents.ALL }];

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'EchoCloud GPU workers: no inbound; outbound HTTPS to AWS APIs and PostgreSQL',
      allowAllOutbound: true,
    });

    const environment = {
      region: Aws.REGION,
      imageUri: props.image.imageUri,
      registry: `${Aws.ACCOUNT_ID}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}`,
      databaseSecretArn: props.databaseSecret.secretArn,
      logGroupName: logGroup.logGroupName,
      settings: props.settings,
    };
    const templateProps = (userData: ec2.UserData, instanceType?: ec2.InstanceType): ec2.LaunchTemplateProps => ({
      machineImage: {
        getImage: () => ({ imageId: props.imageId, osType: ec2.OperatingSystemType.LINUX, userData }),
      },
      userData,
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      // The worker container (bridge network) reads the Spot notice from IMDSv2: one extra hop.
      httpPutResponseHopLimit: 2,
      detailedMonitoring: true,
      associatePublicIpAddress: false,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(100, {
            encrypted: true,
            kmsKey: props.key,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
      ...(instanceType ? { instanceType } : {}),
    });
    const privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const groupMetrics = [
      new autoscaling.GroupMetrics(
        autoscaling.GroupMetric.IN_SERVICE_INSTANCES,
        autoscaling.GroupMetric.DESIRED_CAPACITY,
        autoscaling.GroupMetric.PENDING_INSTANCES,
        autoscaling.GroupMetric.TERMINATING_INSTANCES,
      ),
    ];

    const coldStart = Duration.minutes(5);
    this.spotGroup = new autoscaling.AutoScalingGroup(this, 'SpotWorkers', {
      autoScalingGroupName: this.spotGroupName,
      vpc: props.vpc,
      vpcSubnets: privateSubnets,
      minCapacity: 0,
      maxCapacity: spotMax,
      capacityRebalance: true,
      defaultInstanceWarmup: coldStart,
      groupMetrics,
      notifications,
      mixedInstancesPolicy: {
        launchTemplate: new ec2.LaunchTemplate(this, 'SpotTemplate', templateProps(workerUserData(environment))),
        launchTemplateOverrides: SPOT_INSTANCE_TYPES.map((type) => ({ instanceType: new ec2.InstanceType(type) })),
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.CAPACITY_OPTIMIZED,
        },
      },
    });
    addBacklogTargetTracking(this, {
      group: this.spotGroup,
      groupName: this.spotGroupName,
      queueName: props.queue.queueName,
      targetBacklogPerInstance: props.backlogPerInstance,
      warmup: coldStart,
    });
    addScaleFromZero(this, 'SpotFromZero', {
      group: this.spotGroup,
      groupName: this.spotGroupName,
      queueName: props.queue.queueName,
      maxInstances: spotMax,
      backlogPerInstance: props.backlogPerInstance,
      // With responders in front, Spot starts only for more backlog than they clear quickly.
      threshold: responders > 0 ? props.backlogPerInstance : 1,
      warmup: coldStart,
    });

    if (responders > 0) {
      const warmStart = Duration.seconds(90);
      this.responderGroup = new autoscaling.AutoScalingGroup(this, 'ResponderWorkers', {
        autoScalingGroupName: this.responderGroupName,
        vpc: props.vpc,
        vpcSubnets: privateSubnets,
        minCapacity: 0,
        maxCapacity: responders,
        defaultInstanceWarmup: warmStart,
        groupMetrics,
        notifications,
        launchTemplate: new ec2.LaunchTemplate(
          this,
          'ResponderTemplate',
          templateProps(
            workerUserData({ ...environment, lifecycleHook: { groupName: this.responderGroupName, hookName: IMAGE_READY_HOOK } }),
            new ec2.InstanceType(RESPONDER_INSTANCE_TYPE),
          ),
        ),
      });
      // The first boot pulls the image; the instance goes to the warm pool (stopped) only after that.
      this.responderGroup.addLifecycleHook('ImageReady', {
        lifecycleHookName: IMAGE_READY_HOOK,
        lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
        defaultResult: autoscaling.DefaultResult.CONTINUE,
        heartbeatTimeout: Duration.minutes(15),
      });
      this.responderGroup.addWarmPool({
        // Pool = prepared capacity − desired: all responders stopped while idle, none extra while busy.
        minSize: 0,
        maxGroupPreparedCapacity: responders,
        poolState: autoscaling.PoolState.STOPPED,
        reuseOnScaleIn: true,
      });
      addScaleFromZero(this, 'ResponderFromZero', {
        group: this.responderGroup,
        groupName: this.responderGroupName,
        queueName: props.queue.queueName,
        maxInstances: responders,
        backlogPerInstance: props.backlogPerInstance,
        threshold: 1,
        warmup: warmStart,
      });
      addScaleToZeroWhenIdle(this, 'ResponderToZero', {
        group: this.responderGroup,
        groupName: this.responderGroupName,
        queueName: props.queue.queueName,
        idle: Duration.minutes(2),
      });
    }
  }
}
