/**
 * The few deploy-time parameters (`npx cdk deploy --parameters Name=value`). Everything else has a
 * working default; docs/deployment_guide.md lists them all.
 */
import { CfnParameter } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface Parameters {
  /** ACM certificate for the load balancer's HTTPS listener (same region as the stack). */
  certificateArn: string;
  /** Deliveries of one job before SQS moves it to the dead-letter queue. */
  maxReceiveCount: number;
  /** The GPU worker AMI, resolved at deploy time from an SSM parameter (no lookup at synth). */
  workerImageId: string;
}

/** ECS-optimised Amazon Linux 2023 with the NVIDIA driver, Docker and the NVIDIA container toolkit. */
export const DEFAULT_WORKER_AMI_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id';

export function declareParameters(scope: Construct): Parameters {
  const certificateArn = new CfnParameter(scope, 'CertificateArn', {
    type: 'String',
    allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$',
    constraintDescription: 'an ACM certificate ARN in this region (arn:aws:acm:<region>:<account>:certificate/<id>)',
    description: 'ACM certificate ARN for the HTTPS listener of the API load balancer.',
  });
  const maxReceiveCount = new CfnParameter(scope, 'MaxReceiveCount', {
    type: 'Number',
    default: 5,
    minValue: 1,
    maxValue: 1000,
    description: 'Deliveries of one job before SQS moves it to the dead-letter queue (match ECHO_CLOUD_MAX_RECEIVES).',
  });
  const workerImageId = new CfnParameter(scope, 'WorkerImageId', {
    type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
    default: DEFAULT_WORKER_AMI_PARAMETER,
    description:
      'SSM parameter naming the GPU worker AMI: an ECS-optimised GPU AMI (default) or a Deep Learning AMI, ' +
      'e.g. /aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id.',
  });
  return {
    certificateArn: certificateArn.valueAsString,
    maxReceiveCount: maxReceiveCount.valueAsNumber,
    workerImageId: workerImageId.valueAsString,
  };
}
