/**
 * First-boot script of a GPU worker instance. It installs `echo-cloud-worker.service`, which on every boot
 * (so stopped warm-pool instances come back by themselves):
 * 1. pulls the worker image unless it is already on disk (a warm-pool instance pulled it on its first boot);
 * 2. on the responder group, completes the launch lifecycle hook once the image is on disk, so Auto
 *    Scaling stops the instance into the warm pool only when it is really ready;
 * 3. waits while the instance is headed for the warm pool (target lifecycle state `Warmed:*`), so a
 *    preparing instance never takes a job it would lose when stopped;
 * 4. reads the database password from Secrets Manager and runs the worker image with the GPUs.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';

export interface WorkerEnvironment {
  region: string;
  imageUri: string;
  registry: string;
  databaseSecretArn: string;
  logGroupName: string;
  /** ECHO_CLOUD_* settings of the worker process (no secrets). */
  settings: Record<string, string>;
  /** The launch lifecycle hook to complete once the image is on disk (responder group). */
  lifecycleHook?: { groupName: string; hookName: string };
}

const IMDS = 'http://169.254.169.254/latest';

export function workerUserData(env: WorkerEnvironment): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const settings = Object.entries(env.settings)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
  const completeHook = env.lifecycleHook
    ? `aws autoscaling complete-lifecycle-action --region ${env.region} --instance-id "$(imds meta-data/instance-id)" \\
  --auto-scaling-group-name ${env.lifecycleHook.groupName} --lifecycle-hook-name ${env.lifecycleHook.hookName} \\
  --lifecycle-action-result CONTINUE 2>/dev/null || true`
    : '';
  userData.addCommands(
    'set -euo pipefail',
    // The ECS-optimised AMI starts the ECS agent; these instances run the worker directly.
    'systemctl disable --now ecs 2>/dev/null || true',
    'command -v aws >/dev/null || dnf install -y -q awscli-2',
    'install -d -m 0700 /etc/echo-cloud',
    `cat > /etc/echo-cloud/worker.env <<'EOF_SETTINGS'\n${settings}\nEOF_SETTINGS`,
    `cat > /usr/local/bin/echo-cloud-worker <<'EOF_SCRIPT'
#!/bin/bash
set -euo pipefail
umask 077
imds() {
  local token
  token=$(curl -sf -X PUT ${IMDS}/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl -sf -H "X-aws-ec2-metadata-token: $token" ${IMDS}/$1
}
if ! docker image inspect ${env.imageUri} >/dev/null 2>&1; then
  aws ecr get-login-password --region ${env.region} | docker login --username AWS --password-stdin ${env.registry}
  docker pull ${env.imageUri}
fi
${completeHook}
while imds meta-data/autoscaling/target-lifecycle-state 2>/dev/null | grep -q '^Warmed:'; do sleep 5; done
aws secretsmanager get-secret-value --region ${env.region} --secret-id ${env.databaseSecretArn} \\
  --query SecretString --output text \\
  | python3 -c 'import json,sys; print("PGPASSWORD=" + json.load(sys.stdin)["password"])' > /run/echo-cloud-secrets.env
docker rm -f echo-cloud-worker >/dev/null 2>&1 || true
exec docker run --name echo-cloud-worker --gpus all --init \\
  --env-file /etc/echo-cloud/worker.env --env-file /run/echo-cloud-secrets.env \\
  --log-driver awslogs --log-opt awslogs-region=${env.region} --log-opt awslogs-group=${env.logGroupName} \\
  ${env.imageUri}
EOF_SCRIPT`,
    'chmod 0755 /usr/local/bin/echo-cloud-worker',
    `cat > /etc/systemd/system/echo-cloud-worker.service <<'EOF_UNIT'
[Unit]
Description=EchoCloud GPU worker
After=docker.service network-online.target
Requires=docker.service
[Service]
ExecStart=/usr/local/bin/echo-cloud-worker
Restart=always
RestartSec=5
# The worker releases its unfinished message on SIGTERM (Spot notice, scale-in, stop).
TimeoutStopSec=60
[Install]
WantedBy=multi-user.target
EOF_UNIT`,
    'systemctl daemon-reload',
    'systemctl enable --now echo-cloud-worker.service',
  );
  return userData;
}
