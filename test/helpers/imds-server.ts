import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A local HTTP server that speaks IMDSv2 as EC2 does: `PUT /latest/api/token` with
 * X-aws-ec2-metadata-token-ttl-seconds returns a token; every GET needs X-aws-ec2-metadata-token (401
 * without or with an unknown one); spot/instance-action and events/recommendations/rebalance answer 404
 * until the test posts a notice.
 */
export interface ImdsServer {
  endpoint: string;
  instanceId: string;
  /** GETs answered, by path and status (e.g. `401 /latest/meta-data/instance-id`). */
  requests: string[];
  interrupt(action?: string): void;
  rebalance(): void;
  /** Revokes every token (the next GET gets 401, as after an expiry). */
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startImdsServer(): Promise<ImdsServer> {
  const tokens = new Set<string>();
  const instanceId = `i-${randomBytes(8).toString('hex').slice(0, 17)}`;
  const requests: string[] = [];
  let instanceAction: string | null = null;
  let rebalance: string | null = null;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const answer = (status: number, body = ''): void => {
      requests.push(`${status} ${req.method} ${req.url}`);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return answer(400);
      const token = randomBytes(24).toString('base64');
      tokens.add(token);
      return answer(200, token);
    }
    if (req.method !== 'GET') return answer(405);
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !tokens.has(token)) return answer(401);
    if (req.url === '/latest/meta-data/instance-id') return answer(200, instanceId);
    if (req.url === '/latest/meta-data/spot/instance-action') return instanceAction ? answer(200, instanceAction) : answer(404);
    if (req.url === '/latest/meta-data/events/recommendations/rebalance') return rebalance ? answer(200, rebalance) : answer(404);
    return answer(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    instanceId,
    requests,
    interrupt(action = 'terminate') {
      instanceAction = JSON.stringify({ action, time: new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    },
    rebalance() {
      rebalance = JSON.stringify({ noticeTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    },
    revokeTokens() {
      tokens.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A local HTTP server that speaks the Auto Scaling query API (form-encoded POST, XML answers) for the two
 * calls scale-in protection makes, recording each SetInstanceProtection.
 */
export interface AutoScalingServer {
  endpoint: string;
  group: string;
  /** ProtectedFromScaleIn values set, in order. */
  protections: boolean[];
  close(): Promise<void>;
}

export async function startAutoScalingServer(instanceId: string): Promise<AutoScalingServer> {
  const group = 'echo-workers';
  const protections: boolean[] = [];
  const xmlns = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    const xml = (inner: string): void => {
      res.writeHead(200, { 'content-type': 'text/xml' }).end(`<?xml version="1.0"?>${inner}`);
    };
    if (action === 'DescribeAutoScalingInstances') {
      const asked = form.get('InstanceIds.member.1');
      const member =
        asked === instanceId
          ? `<member><InstanceId>${instanceId}</InstanceId><AutoScalingGroupName>${group}</AutoScalingGroupName><AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>HEALTHY</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`
          : '';
      return xml(`<DescribeAutoScalingInstancesResponse xmlns="${xmlns}"><DescribeAutoScalingInstancesResult><AutoScalingInstances>${member}</AutoScalingInstances></DescribeAutoScalingInstancesResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeAutoScalingInstancesResponse>`);
    }
    if (action === 'SetInstanceProtection' && form.get('AutoScalingGroupName') === group && form.get('InstanceIds.member.1') === instanceId) {
      protections.push(form.get('ProtectedFromScaleIn') === 'true');
      return xml(`<SetInstanceProtectionResponse xmlns="${xmlns}"><SetInstanceProtectionResult/><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></SetInstanceProtectionResponse>`);
    }
    res.writeHead(400, { 'content-type': 'text/xml' }).end(`<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>unexpected ${action}</Message></Error><RequestId>r3</RequestId></ErrorResponse>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    group,
    protections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
