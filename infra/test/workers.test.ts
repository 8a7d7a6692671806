import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { BACKLOG_PER_INSTANCE, BACKLOG_WHILE_EMPTY } from '../lib/backlog-metrics.ts';
import { SPOT_INSTANCE_TYPES } from '../lib/worker-fleet.ts';
import { scaleFromZeroSteps } from '../lib/worker-scaling.ts';
import { type Json, onlyResource, statementsOf, synthesize } from './synth.ts';

const { template } = synthesize();

function groups(): Record<string, Json> {
  return template.findResources('AWS::AutoScaling::AutoScalingGroup');
}

describe('GPU worker groups', () => {
  it('the Spot group: mixed instances over several GPU types, 100% Spot capacity-optimized, min 0, every zone, rebalancing, warm-up', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      AutoScalingGroupName: 'EchoCloud-spot-workers',
      MinSize: '0',
      MaxSize: '3',
      CapacityRebalance: true,
      DefaultInstanceWarmup: 300,
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandBaseCapacity: 0,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'capacity-optimized',
        },
        LaunchTemplate: {
          LaunchTemplateSpecification: Match.anyValue(),
          Overrides: SPOT_INSTANCE_TYPES.map((type) => ({ InstanceType: type })),
        },
      },
      MetricsCollection: [{ Granularity: '1Minute', Metrics: Match.arrayWith(['GroupInServiceInstances', 'GroupDesiredCapacity']) }],
    });
    assert.ok(SPOT_INSTANCE_TYPES.includes('g4dn.xlarge') && SPOT_INSTANCE_TYPES.includes('g5.xlarge') && SPOT_INSTANCE_TYPES.includes('g6.xlarge'));
    const spot = Object.values(groups()).find((g: Json) => g.Properties.AutoScalingGroupName === 'EchoCloud-spot-workers') as Json;
    const privateSubnets = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([, s]: [string, Json]) => s.Properties.Tags.some((t: Json) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Private'))
      .map(([id]) => id)
      .sort();
    assert.deepEqual(spot.Properties.VPCZoneIdentifier.map((s: Json) => s.Ref).sort(), privateSubnets);
    assert.equal(privateSubnets.length, 5);
  });

  it('the responder group: on-demand, min 0, a warm pool of stopped instances reused on scale-in', () => {
    const responder = Object.entries(groups()).find(([, g]: [string, Json]) => g.Properties.AutoScalingGroupName === 'EchoCloud-responder-workers');
    assert.ok(responder);
    const [id, group] = responder as [string, Json];
    assert.equal(group.Properties.MinSize, '0');
    assert.equal(group.Properties.MaxSize, '1');
    assert.equal(group.Properties.MixedInstancesPolicy, undefined, 'EC2 Auto Scaling refuses warm pools on mixed-instances groups');
    template.hasResourceProperties('AWS::AutoScaling::WarmPool', {
      AutoScalingGroupName: { Ref: id },
      PoolState: 'Stopped',
      MaxGroupPreparedCapacity: 1,
      InstanceReusePolicy: { ReuseOnScaleIn: true },
    });
  });

  it('warmPoolSize=0 drops the responder group and its warm pool; the Spot group then starts at one job', () => {
    const { template: plain } = synthesize({ warmPoolSize: 0 });
    assert.equal(Object.keys(plain.findResources('AWS::AutoScaling::WarmPool')).length, 0);
    assert.equal(Object.keys(plain.findResources('AWS::AutoScaling::AutoScalingGroup')).length, 1);
    plain.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MaxSize: '4' });
    plain.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 1, Metrics: Match.arrayWith([Match.objectLike({ Expression: BACKLOG_WHILE_EMPTY })]) });
  });

  it('both launch templates require IMDSv2, encrypt the root volume with the key and give no public IP', () => {
    const key = onlyResource(template, 'AWS::KMS::Key', 'StorageKey');
    const templates = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as Json[];
    assert.equal(templates.length, 2);
    for (const lt of templates) {
      const data = lt.Properties.LaunchTemplateData;
      assert.equal(data.MetadataOptions.HttpTokens, 'required');
      assert.equal(data.MetadataOptions.HttpPutResponseHopLimit, 2);
      assert.deepEqual(data.BlockDeviceMappings[0].Ebs, {
        DeleteOnTermination: true,
        Encrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
        VolumeSize: 100,
        VolumeType: 'gp3',
      });
      assert.equal(data.NetworkInterfaces?.[0]?.AssociatePublicIpAddress ?? false, false);
      assert.deepEqual(data.ImageId, { Ref: 'WorkerImageId' });
    }
    template.hasParameter('WorkerImageId', {
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id',
    });
  });

  it('target tracking on backlog per instance through metric math in a CfnScalingPolicy', () => {
    const spot = Object.entries(groups()).find(([, g]: [string, Json]) => g.Properties.AutoScalingGroupName === 'EchoCloud-spot-workers')!;
    const queue = onlyResource(template, 'AWS::SQS::Queue', 'StorageJobs');
    const queueName = { 'Fn::GetAtt': [queue.id, 'QueueName'] };
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      AutoScalingGroupName: { Ref: spot[0] },
      PolicyType: 'TargetTrackingScaling',
      EstimatedInstanceWarmup: 300,
      TargetTrackingConfiguration: {
        TargetValue: 6,
        DisableScaleIn: false,
        CustomizedMetricSpecification: {
          Metrics: [
            {
              Id: 'visible',
              MetricStat: {
                Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: queueName }] },
                Stat: 'Sum',
              },
              ReturnData: false,
            },
            {
              Id: 'inFlight',
              MetricStat: {
                Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesNotVisible', Dimensions: [{ Name: 'QueueName', Value: queueName }] },
                Stat: 'Sum',
              },
              ReturnData: false,
            },
            {
              Id: 'inService',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/AutoScaling',
                  MetricName: 'GroupInServiceInstances',
                  Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'EchoCloud-spot-workers' }],
                },
                Stat: 'Average',
              },
              ReturnData: false,
            },
            { Id: 'backlogPerInstance', Expression: 'IF(inService > 0, (visible + inFlight) / inService, 0)', Label: Match.anyValue(), ReturnData: true },
          ],
        },
      },
    });
    assert.equal(BACKLOG_PER_INSTANCE, 'IF(inService > 0, (visible + inFlight) / inService, 0)');
  });

  it('scale from zero: an alarm on backlog-while-empty drives ExactCapacity steps (target tracking cannot leave 0)', () => {
    assert.deepEqual(scaleFromZeroSteps(6, 3), [
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 6, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 6, MetricIntervalUpperBound: 12, ScalingAdjustment: 2 },
      { MetricIntervalLowerBound: 12, ScalingAdjustment: 3 },
    ].map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]))));
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      AdjustmentType: 'ExactCapacity',
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 6, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 6, MetricIntervalUpperBound: 12, ScalingAdjustment: 2 },
        { MetricIntervalLowerBound: 12, ScalingAdjustment: 3 },
      ],
    });
    // Spot starts from zero when more than one responder's worth waits; the responder at one job.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 6,
      EvaluationPeriods: 1,
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'backlogWhileEmpty', Expression: BACKLOG_WHILE_EMPTY, ReturnData: true })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'backlogWhileEmpty' })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'backlog', Expression: 'visible + inFlight' })]),
    });
  });

  it('the worker role: its queue, inputs/ read, outputs/ write, keys via S3/SQS, protection on its own groups only', () => {
    const statements = statementsOf(template, 'WorkersRole');
    const bySid = new Map(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
    const queue = onlyResource(template, 'AWS::SQS::Queue', 'StorageJobs');
    assert.deepEqual(bySid.get('TakeJobs'), {
      Sid: 'TakeJobs',
      Effect: 'Allow',
      Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] },
    });
    assert.equal(bySid.get('ReadInputs')!.Action, 's3:GetObject');
    assert.match(JSON.stringify(bySid.get('ReadInputs')!.Resource), /\/inputs\/\*/);
    assert.equal(bySid.get('WriteOutputs')!.Action, 's3:PutObject');
    assert.match(JSON.stringify(bySid.get('WriteOutputs')!.Resource), /\/outputs\/\*/);
    assert.deepEqual(bySid.get('DataKeyViaS3')!.Action, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    const protection = bySid.get('OwnInstanceLifecycle')!;
    assert.deepEqual(protection.Action, ['autoscaling:CompleteLifecycleAction', 'autoscaling:SetInstanceProtection']);
    const arns = JSON.stringify(protection.Resource);
    assert.match(arns, /autoScalingGroupName\/EchoCloud-spot-workers/);
    assert.match(arns, /autoScalingGroupName\/EchoCloud-responder-workers/);
    // The only Resource "*" is ecr:GetAuthorizationToken, which has no resource-level form.
    const unscoped = statements.filter((s) => s.Resource === '*');
    assert.deepEqual(unscoped.map((s) => s.Action), ['ecr:GetAuthorizationToken']);
    const allActions = statements.flatMap((s) => [s.Action].flat());
    assert.ok(!allActions.includes('sqs:*') && !allActions.includes('s3:*') && !allActions.includes('kms:*'));
  });

  it('user data runs the worker image with the GPUs under systemd, reading the DB password at each start', () => {
    for (const lt of Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as Json[]) {
      const script = JSON.stringify(lt.Properties.LaunchTemplateData.UserData);
      assert.match(script, /docker run --name echo-cloud-worker --gpus all/);
      assert.match(script, /secretsmanager get-secret-value/);
      assert.match(script, /systemctl enable --now echo-cloud-worker.service/);
      assert.match(script, /ECHO_CLOUD_ROLE=worker/);
      // A warm-pool-bound instance never starts taking jobs before it is stopped.
      assert.match(script, /target-lifecycle-state/);
    }
  });

  it('the responder completes a launch lifecycle hook once the image is pulled, so the warm pool holds ready instances', () => {
    const responder = onlyResource(template, 'AWS::EC2::LaunchTemplate', 'WorkersResponderTemplate');
    const spot = onlyResource(template, 'AWS::EC2::LaunchTemplate', 'WorkersSpotTemplate');
    assert.match(JSON.stringify(responder.props.LaunchTemplateData.UserData), /complete-lifecycle-action .*--lifecycle-hook-name image-ready/);
    assert.doesNotMatch(JSON.stringify(spot.props.LaunchTemplateData.UserData), /complete-lifecycle-action/);
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleHookName: 'image-ready',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      DefaultResult: 'CONTINUE',
      HeartbeatTimeout: 900,
    });
  });
});
