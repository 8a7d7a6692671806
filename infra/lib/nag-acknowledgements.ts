/**
 * Acknowledged cdk-nag findings (AwsSolutions and HIPAA.Security). Each names the rule, the resource and
 * the reason the finding does not apply or is accepted; everything else must pass (infra/test/nag.test.ts).
 * Wildcard acknowledgements (IAM5) list the exact wildcard they accept through `appliesTo`.
 */
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { EchoCloudStack } from './echo-cloud-stack.ts';

type Ack = { id: string; reason: string; appliesTo?: (string | { regex: string })[] };

function ack(construct: IConstruct, acks: Ack[]): void {
  NagSuppressions.addResourceSuppressions(construct, acks, true);
}

const INLINE_POLICY: Ack = {
  id: 'HIPAA.Security-IAMNoInlinePolicy',
  reason:
    'Each role has its own policy scoped to this stack\'s resources (CDK attaches grants inline); customer ' +
    'managed policies would add shared, separately versioned objects without narrowing any permission.',
};

const OBJECT_PREFIXES: Ack = {
  id: 'AwsSolutions-IAM5',
  reason:
    'Object ARNs under one prefix of the one data bucket (inputs/*, outputs/*): keys are per upload, so the ' +
    'prefix is the narrowest resource that names them.',
  appliesTo: [{ regex: '/^Resource::<StorageData[0-9A-F]+\\.Arn>\\/(inputs|outputs)\\/\\*$/g' }],
};

const ECR_TOKEN: Ack = {
  id: 'AwsSolutions-IAM5',
  reason: 'ecr:GetAuthorizationToken has no resource-level permissions (AWS requires Resource "*"); image pulls are scoped to the asset repository.',
  appliesTo: ['Resource::*'],
};

export function acknowledgeFindings(stack: EchoCloudStack): void {
  const { storage, network, database, api, workers } = stack;

  // Stack-wide: IAM roles.
  NagSuppressions.addStackSuppressions(stack, [INLINE_POLICY]);

  // Buckets.
  ack(storage.logsBucket, [
    {
      id: 'HIPAA.Security-S3DefaultEncryptionKMS',
      reason: 'S3 server access logging and ALB access logs deliver only to SSE-S3 buckets; the logs hold no clip data.',
    },
    {
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason: 'Access logs are kept one year in one region, versioned; cross-region copies are not required for them.',
    },
  ]);
  ack(storage.bucket, [
    {
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Single-region deployment: versioning with 30-day noncurrent retention and a retained bucket protect ' +
        'against deletion; add a replication rule where a second region is required (docs/deployment_guide.md).',
    },
  ]);

  // Network: the public subnets carry only the load balancer and the NAT gateway.
  ack(network.vpc, [
    {
      id: 'HIPAA.Security-VPCSubnetAutoAssignPublicIpDisabled',
      reason: 'Public subnets hold only the internet-facing load balancer and the NAT gateway; every instance and task runs in private subnets without public IPs.',
    },
    {
      id: 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW',
      reason: 'The default route to the internet gateway exists only in the public subnets, which the load balancer and NAT gateway need.',
    },
  ]);

  // Database.
  ack(database.cluster, [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy for RDS enhanced monitoring; it grants only log writes to RDSOSMetrics.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
    },
    {
      id: 'HIPAA.Security-RDSInBackupPlan',
      reason: 'Aurora continuous backups (14-day point-in-time recovery) and a final snapshot on deletion cover the catalog; it can be rebuilt from the bucket.',
    },
    {
      id: 'CdkNagValidationFailure',
      reason: 'The ingress rules use the cluster port token (5432), which nag cannot resolve; they open only PostgreSQL to the API, worker and rotation security groups.',
    },
  ]);

  // API.
  ack(api.adminToken, [
    {
      id: 'AwsSolutions-SMG4',
      reason: 'The admin bearer token is held by operators; it is rotated by hand (docs/deployment_guide.md) so a scheduled rotation cannot lock them out.',
    },
    {
      id: 'HIPAA.Security-SecretsManagerRotationEnabled',
      reason: 'The admin bearer token is held by operators and rotated by hand (docs/deployment_guide.md).',
    },
  ]);
  ack(api.service.taskDefinition, [
    {
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret settings (URLs, role, port); the database password and admin token come from Secrets Manager as ECS secrets.',
    },
    OBJECT_PREFIXES,
    ECR_TOKEN,
  ]);
  ack(api.loadBalancer, [
    {
      id: 'AwsSolutions-EC23',
      reason: 'The load balancer is the public HTTPS endpoint: 443 (and 80, which only redirects to 443) are open to the internet by design.',
    },
    {
      id: 'HIPAA.Security-ELBv2ACMCertificateRequired',
      reason: 'The port-80 listener only answers with a redirect to HTTPS and carries no data; the 443 listener uses the ACM certificate.',
    },
  ]);

  // Workers.
  ack(workers.role, [
    OBJECT_PREFIXES,
    ECR_TOKEN,
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'autoscaling:SetInstanceProtection on the two worker groups, named exactly; the wildcard stands for the ' +
        'group UUID that AWS assigns at creation.',
      appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:\\*:autoScalingGroupName\\/.*-(spot|responder)-workers$/g' }],
    },
  ]);
  ack(workers.spotGroup, [
    {
      id: 'HIPAA.Security-EC2IMDSv2Enabled',
      reason: 'The mixed-instances policy launches from a launch template with HttpTokens "required" (IMDSv2 only); nag does not follow the mixed-instances launch template.',
    },
    {
      id: 'CdkNagValidationFailure',
      reason: 'EBS volumes are encrypted with the stack key in the launch template (asserted in infra/test); nag cannot resolve the mixed-instances launch template reference.',
    },
  ]);

  // CDK's own custom-resource Lambdas (bucket notifications, default security group restriction).
  for (const child of stack.node.findAll()) {
    const id = child.node.id;
    if (id.startsWith('BucketNotificationsHandler') || id.startsWith('Custom::VpcRestrictDefaultSG')) {
      ack(child, [
        {
          id: 'AwsSolutions-IAM4',
          reason: 'CDK-managed custom-resource Lambda (runs only during deployment): AWSLambdaBasicExecutionRole lets it write its own logs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'CDK-managed custom-resource Lambda: s3:PutBucketNotification has no narrower resource form in the handler policy CDK writes.',
          appliesTo: ['Resource::*'],
        },
      ]);
    }
  }
}
