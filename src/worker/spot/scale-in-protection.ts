import { AutoScalingClient, DescribeAutoScalingInstancesCommand, SetInstanceProtectionCommand } from '@aws-sdk/client-auto-scaling';
import type { Logger } from 'pino';
import { EchoError, toEchoError } from '../../errors/catalogue.ts';

/**
 * Auto Scaling scale-in protection for this instance: on while any worker holds a job, off when all are
 * idle, so scale-in never terminates a busy instance. Calls are serialized and only made when the wanted
 * state differs from the last one set; the group name is looked up once (DescribeAutoScalingInstances).
 */
export function createScaleInProtection(options: { instanceId: () => Promise<string>; region?: string | null; endpoint?: string | null; log: Logger; client?: AutoScalingClient }) {
  const client = options.client ?? new AutoScalingClient({ ...(options.region ? { region: options.region } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  let target: { instanceId: string; group: string } | null = null;
  let applied: boolean | null = null;
  let wanted = false;
  let chain: Promise<void> = Promise.resolve();

  async function resolve(): Promise<{ instanceId: string; group: string }> {
    if (target) return target;
    const instanceId = await options.instanceId();
    const out = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    const group = out.AutoScalingInstances?.[0]?.AutoScalingGroupName;
    if (!group) throw new EchoError('CONFIG_INVALID', `scale-in protection: instance ${instanceId} is not in an Auto Scaling group`);
    target = { instanceId, group };
    return target;
  }

  async function apply(): Promise<void> {
    const want = wanted;
    if (applied === want) return;
    try {
      const { instanceId, group } = await resolve();
      await client.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: group, InstanceIds: [instanceId], ProtectedFromScaleIn: want }));
      applied = want;
      options.log.info({ instanceId, group, protectedFromScaleIn: want }, 'scale-in protection set');
    } catch (err) {
      options.log.warn({ err: toEchoError(err).toJSON(), protectedFromScaleIn: want }, 'scale-in protection could not be set');
    }
  }

  return {
    /** Busy (any job held) → protected; idle → not. Resolves once the call for this state has been made. */
    setBusy(busy: boolean): Promise<void> {
      wanted = busy;
      chain = chain.then(apply);
      return chain;
    },
    close(): void {
      if (!options.client) client.destroy();
    },
  };
}
