/**
 * First-boot script of a GPU worker instance: installs a systemd unit that (on every boot, so stopped
 * warm-pool instances come back by themselves) reads the database password from Secrets Manager, then
 * runs the worker image with the GPUs. The image is pulled on first boot, so a warm-pool instance starts
 * with it already on disk.
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
}

export function workerUserData(env: WorkerEnvironment): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const settings = Object.entries(env.settings)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
  userData.addCommands(
    'set -euo pipefail',
    // The ECS-optimised AMI starts the ECS agent; these instances run the worker directly.
    'systemctl disable --now ecs 2>/dev/null || true',
    'install -d -m 0700 /etc/echo-cloud',
    `cat > /etc/echo-cloud/worker.env <<'EOF_SETTINGS'\n${settings}\nEOF_SETTINGS`,
    `cat > /usr/local/bin/echo-cloud-worker <<'EOF_SCRIPT'
#!/bin/bash
set -euo pipefail
umask 077
aws ecr get-login-password --region ${env.region} | docker login --username AWS --password-stdin ${env.registry}
docker image inspect ${env.imageUri} >/dev/null 2>&1 || docker pull ${env.imageUri}
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
