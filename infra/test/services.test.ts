import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { type Json, onlyResource, statementsOf, synthesize } from './synth.ts';

const { template } = synthesize();

function subnetIdsOfType(type: 'Public' | 'Private' | 'Isolated'): string[] {
  const subnets = template.findResources('AWS::EC2::Subnet');
  return Object.entries(subnets)
    .filter(([, s]: [string, Json]) => s.Properties.Tags.some((t: Json) => t.Key === 'aws-cdk:subnet-type' && t.Value === type))
    .map(([id]) => id)
    .sort();
}

describe('network, database, API', () => {
  it('the VPC spans every configured zone, with flow logs', () => {
    assert.equal(subnetIdsOfType('Public').length, 5);
    assert.equal(subnetIdsOfType('Private').length, 5);
    assert.equal(subnetIdsOfType('Isolated').length, 5);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  });

  it('PostgreSQL (Aurora Serverless v2) sits in the isolated subnets, encrypted, its secret in Secrets Manager', () => {
    const group = onlyResource(template, 'AWS::RDS::DBSubnetGroup', 'DatabaseCluster');
    const ids = (group.props.SubnetIds as { Ref: string }[]).map((s) => s.Ref).sort();
    assert.deepEqual(ids, subnetIdsOfType('Isolated'));
    const key = onlyResource(template, 'AWS::KMS::Key', 'StorageKey');
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      MasterUserPassword: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"echocloud"}' }),
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  it('the API runs on Fargate in private subnets behind an HTTPS load balancer; HTTP only redirects', () => {
    const service = onlyResource(template, 'AWS::ECS::Service', 'ApiService');
    const subnets = service.props.NetworkConfiguration.AwsvpcConfiguration.Subnets.map((s: Json) => s.Ref).sort();
    assert.deepEqual(subnets, subnetIdsOfType('Private'));
    assert.equal(service.props.LaunchType, 'FARGATE');
    assert.equal(service.props.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, 'DISABLED');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: { Ref: 'CertificateArn' } }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz', Port: 8080 });
    template.hasParameter('CertificateArn', { Type: 'String' });
  });

  it('the API task gets its secrets from Secrets Manager, not from plain environment values', () => {
    const task = onlyResource(template, 'AWS::ECS::TaskDefinition', 'ApiTask');
    const [container] = task.props.ContainerDefinitions;
    const secretNames = container.Secrets.map((s: Json) => s.Name).sort();
    assert.deepEqual(secretNames, ['ECHO_CLOUD_ADMIN_TOKEN', 'PGPASSWORD']);
    const envNames = container.Environment.map((e: Json) => e.Name);
    assert.ok(envNames.includes('ECHO_CLOUD_STORE') && envNames.includes('ECHO_CLOUD_QUEUE') && envNames.includes('ECHO_CLOUD_DATABASE'));
    assert.ok(!envNames.some((name: string) => /PASSWORD|TOKEN|SECRET/.test(name)), envNames.join(','));
    assert.equal(container.User, '10001');
  });

  it('the tasks name the queue as the app accepts it: sqs://<queue name> (a URL-like value is refused at start)', () => {
    const task = onlyResource(template, 'AWS::ECS::TaskDefinition', 'ApiTask');
    const value = task.props.ContainerDefinitions[0].Environment.find((e: Json) => e.Name === 'ECHO_CLOUD_QUEUE').Value;
    const [separator, parts] = value['Fn::Join'];
    assert.equal(separator, '');
    assert.equal(parts.length, 2, JSON.stringify(value));
    assert.equal(parts[0], 'sqs://');
    assert.equal(parts[1]['Fn::GetAtt'][1], 'QueueName');
  });

  it('the API task role: enqueue, inputs/ write, inputs/ + outputs/ read, keys only via S3/SQS; no Resource "*"', () => {
    const statements = statementsOf(template, 'ApiTaskTaskRole');
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    assert.deepEqual([...bySid.keys()].sort(), [
      'DataKeyViaS3',
      'EnqueueJobs',
      'ListInputsAndOutputs',
      'QueueKeyViaSqs',
      'ReadInputsAndOutputs',
      'WriteInputs',
    ]);
    assert.deepEqual(bySid.get('EnqueueJobs')!.Action, ['sqs:GetQueueAttributes', 'sqs:SendMessage']);
    assert.deepEqual(bySid.get('ListInputsAndOutputs')!.Condition, { StringLike: { 's3:prefix': ['inputs/*', 'outputs/*'] } });
    for (const statement of statements) {
      assert.notEqual(statement.Resource, '*', `statement ${statement.Sid} is scoped`);
      for (const action of [statement.Action].flat()) assert.ok(!action.endsWith('*'), `${statement.Sid}: ${action}`);
    }
  });
});
