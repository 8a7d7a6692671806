/**
 * Scaling policies of the worker groups, written as raw CloudFormation (CfnScalingPolicy, CfnAlarm): the L2
 * `scaleToTrackMetric` refuses metric math, which backlog per instance needs.
 *
 * - Spot group: target tracking on backlog per in-service instance, plus a scale-from-zero step policy
 *   (ExactCapacity tiers of the backlog) because target tracking never leaves zero capacity by itself.
 * - Responder group (warm pool): ExactCapacity from the backlog as soon as one job waits; back to zero
 *   once no job is queued or running for two minutes (busy instances are scale-in protected anyway).
 */
import type { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  type MetricQuery,
  backlogPerInstanceQueries,
  backlogQueries,
  backlogWhileEmptyQueries,
} from './backlog-metrics.ts';

/** CloudFormation's PascalCase metric queries → the camelCase shape of the L1 constructs' props. */
function camel<T>(value: T): T {
  if (Array.isArray(value)) return value.map(camel) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key.charAt(0).toLowerCase() + key.slice(1)] = camel(inner);
  return out as T;
}

function l1Metrics(queries: MetricQuery[]): cloudwatch.CfnAlarm.MetricDataQueryProperty[] {
  return camel(queries) as unknown as cloudwatch.CfnAlarm.MetricDataQueryProperty[];
}

export interface TargetTrackingProps {
  group: autoscaling.AutoScalingGroup;
  groupName: string;
  queueName: string;
  /** Queued + in-flight jobs per in-service instance the policy keeps. */
  targetBacklogPerInstance: number;
  /** Seconds a new instance needs before its work shows in the metric. */
  warmup: Duration;
}

/** Target tracking on backlog per instance (metric math), the spot group's main policy. */
export function addBacklogTargetTracking(scope: Construct, props: TargetTrackingProps): autoscaling.CfnScalingPolicy {
  const metrics = backlogPerInstanceQueries({ queueName: props.queueName, groupName: props.groupName });
  return new autoscaling.CfnScalingPolicy(scope, 'BacklogTargetTracking', {
    autoScalingGroupName: props.group.autoScalingGroupName,
    policyType: 'TargetTrackingScaling',
    estimatedInstanceWarmup: props.warmup.toSeconds(),
    targetTrackingConfiguration: {
      targetValue: props.targetBacklogPerInstance,
      disableScaleIn: false,
      customizedMetricSpecification: {
        metrics: camel(metrics) as unknown as autoscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty[],
      },
    },
  });
}

export interface ScaleFromZeroProps {
  group: autoscaling.AutoScalingGroup;
  groupName: string;
  queueName: string;
  maxInstances: number;
  /** Backlog that one instance is expected to take (the tier width). */
  backlogPerInstance: number;
  /** The smallest backlog that starts the group. */
  threshold: number;
  warmup: Duration;
}

/**
 * ExactCapacity step tiers, bounds relative to the alarm threshold: backlog ≥ threshold + k·width → k + 1
 * instances, up to the group's maximum.
 */
export function scaleFromZeroSteps(
  width: number,
  maxInstances: number,
): autoscaling.CfnScalingPolicy.StepAdjustmentProperty[] {
  const steps: autoscaling.CfnScalingPolicy.StepAdjustmentProperty[] = [];
  for (let n = 1; n <= maxInstances; n++) {
    const lower = (n - 1) * width;
    steps.push({
      metricIntervalLowerBound: lower,
      ...(n < maxInstances ? { metricIntervalUpperBound: n * width } : {}),
      scalingAdjustment: n,
    });
  }
  return steps;
}

/**
 * Scale from zero: a step policy on backlog while no instance is in service, one 60 s period,
 * ExactCapacity tiers (an alarm in ALARM re-invokes it every minute until an instance is in service).
 */
export function addScaleFromZero(scope: Construct, id: string, props: ScaleFromZeroProps): autoscaling.CfnScalingPolicy {
  const holder = new Construct(scope, id);
  const policy = new autoscaling.CfnScalingPolicy(holder, 'Policy', {
    autoScalingGroupName: props.group.autoScalingGroupName,
    policyType: 'StepScaling',
    adjustmentType: 'ExactCapacity',
    metricAggregationType: 'Maximum',
    estimatedInstanceWarmup: props.warmup.toSeconds(),
    stepAdjustments: scaleFromZeroSteps(props.backlogPerInstance, props.maxInstances),
  });
  new cloudwatch.CfnAlarm(holder, 'Alarm', {
    alarmDescription: `Jobs wait while ${props.groupName} has no instance: start it (scale from zero).`,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: props.threshold,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    metrics: l1Metrics(backlogWhileEmptyQueries({ queueName: props.queueName, groupName: props.groupName }, 60)),
    alarmActions: [policy.attrArn],
  });
  return policy;
}

export interface ScaleToZeroProps {
  group: autoscaling.AutoScalingGroup;
  queueName: string;
  groupName: string;
  idle: Duration;
}

/** Scale to zero once no job is queued or running for `idle` (1-minute datapoints). */
export function addScaleToZeroWhenIdle(scope: Construct, id: string, props: ScaleToZeroProps): autoscaling.CfnScalingPolicy {
  const holder = new Construct(scope, id);
  const policy = new autoscaling.CfnScalingPolicy(holder, 'Policy', {
    autoScalingGroupName: props.group.autoScalingGroupName,
    policyType: 'StepScaling',
    adjustmentType: 'ExactCapacity',
    metricAggregationType: 'Maximum',
    stepAdjustments: [{ metricIntervalUpperBound: 0, scalingAdjustment: 0 }],
  });
  const minutes = Math.max(1, Math.round(props.idle.toSeconds() / 60));
  new cloudwatch.CfnAlarm(holder, 'Alarm', {
    alarmDescription: `No job queued or running for ${minutes} min: return ${props.groupName} to the warm pool.`,
    comparisonOperator: 'LessThanThreshold',
    threshold: 1,
    evaluationPeriods: minutes,
    datapointsToAlarm: minutes,
    treatMissingData: 'breaching',
    metrics: l1Metrics(backlogQueries({ queueName: props.queueName, groupName: props.groupName }, 60)),
    alarmActions: [policy.attrArn],
  });
  return policy;
}
