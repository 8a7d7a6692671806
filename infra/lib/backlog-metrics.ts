/**
 * The metric queries behind worker scaling, as CloudWatch metric-math `MetricDataQuery` objects (the shape
 * both CfnScalingPolicy's customized metric and CfnAlarm's Metrics take). Backlog = visible + in-flight
 * messages: in-flight jobs keep their instance busy, so counting only visible ones (as the original did)
 * makes the fleet shrink under running work.
 */
export interface QueryIds {
  queueName: string;
  groupName: string;
}

interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
  Stat: string;
  /** Alarms only; target tracking uses its own 60 s period. */
  Period?: number;
}

export interface MetricQuery {
  Id: string;
  Expression?: string;
  Label?: string;
  MetricStat?: MetricStat;
  ReturnData: boolean;
}

function sqsQuery(id: string, metricName: string, queueName: string, period?: number): MetricQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/SQS', MetricName: metricName, Dimensions: [{ Name: 'QueueName', Value: queueName }] },
      Stat: 'Sum',
      ...(period === undefined ? {} : { Period: period }),
    },
    ReturnData: false,
  };
}

function groupQuery(id: string, metricName: string, groupName: string, period?: number): MetricQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/AutoScaling',
        MetricName: metricName,
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: groupName }],
      },
      Stat: 'Average',
      ...(period === undefined ? {} : { Period: period }),
    },
    ReturnData: false,
  };
}

/**
 * Backlog per in-service instance, for target tracking. With zero in-service instances the plain ratio
 * divides by zero (CloudWatch then returns no datapoint and the policy's alarms sit in INSUFFICIENT_DATA);
 * the IF keeps the series defined (0 at zero capacity). Target tracking cannot leave zero on its own —
 * desired = ceil(current × metric / target) stays 0 — so scale-from-zero is the bootstrap alarm's job.
 */
export const BACKLOG_PER_INSTANCE = 'IF(inService > 0, (visible + inFlight) / inService, 0)';

export function backlogPerInstanceQueries(ids: QueryIds): MetricQuery[] {
  return [
    sqsQuery('visible', 'ApproximateNumberOfMessagesVisible', ids.queueName),
    sqsQuery('inFlight', 'ApproximateNumberOfMessagesNotVisible', ids.queueName),
    groupQuery('inService', 'GroupInServiceInstances', ids.groupName),
    { Id: 'backlogPerInstance', Expression: BACKLOG_PER_INSTANCE, Label: 'Backlog per in-service instance', ReturnData: true },
  ];
}

/**
 * Backlog while the group has no instance in service (else 0): what the scale-from-zero alarm watches.
 * Keyed on in-service rather than desired capacity, the alarm keeps re-sizing the group every minute while
 * the first instances boot, so a burst that grows during a cold start is met at once instead of after
 * target tracking's three-minute look once an instance is in service.
 */
export const BACKLOG_WHILE_EMPTY = 'IF(inService == 0, visible + inFlight, 0)';

export function backlogWhileEmptyQueries(ids: QueryIds, period: number): MetricQuery[] {
  return [
    sqsQuery('visible', 'ApproximateNumberOfMessagesVisible', ids.queueName, period),
    sqsQuery('inFlight', 'ApproximateNumberOfMessagesNotVisible', ids.queueName, period),
    groupQuery('inService', 'GroupInServiceInstances', ids.groupName, period),
    { Id: 'backlogWhileEmpty', Expression: BACKLOG_WHILE_EMPTY, Label: 'Backlog while no instance is in service', ReturnData: true },
  ];
}

/** Total backlog (visible + in flight): the responder group's scale-in alarm waits for it to be 0. */
export const BACKLOG = 'visible + inFlight';

export function backlogQueries(ids: QueryIds, period: number): MetricQuery[] {
  return [
    sqsQuery('visible', 'ApproximateNumberOfMessagesVisible', ids.queueName, period),
    sqsQuery('inFlight', 'ApproximateNumberOfMessagesNotVisible', ids.queueName, period),
    { Id: 'backlog', Expression: BACKLOG, Label: 'Queued and running jobs', ReturnData: true },
  ];
}
