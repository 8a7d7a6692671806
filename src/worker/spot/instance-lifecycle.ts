import type { Logger } from 'pino';
import type { Config } from '../../config/load.ts';
import { EchoError, toEchoError } from '../../errors/catalogue.ts';
import type { Supervisor } from '../supervisor.ts';
import { createImds } from './imds.ts';
import { type SpotNotice, startSpotWatcher } from './spot-watcher.ts';

/**
 * What a worker instance does about its own lifecycle on EC2 (ECHO_CLOUD_SPOT, ECHO_CLOUD_SCALE_IN_PROTECTION):
 * - interruption notice → every worker stops receiving and releases its job at once (visibility 0);
 * - rebalance recommendation → every worker stops receiving and finishes its job (graceful drain);
 * - scale-in protection on while any worker holds a job, off when all are idle (and after a notice).
 * The model stays loaded in each worker process across jobs; nothing here reloads it.
 * The Auto Scaling SDK is imported only when scale-in protection is on (as the wiring does for S3 and SQS).
 */
export async function startInstanceLifecycle(config: Config, log: Logger) {
  if (!config.spot && !config.scaleInProtection) return null;
  const imds = createImds(config.imdsEndpoint);
  const protection = config.scaleInProtection
    ? (await import('./scale-in-protection.ts')).createScaleInProtection({
        instanceId: async () => {
          const id = await imds.get('/latest/meta-data/instance-id');
          if (!id) throw new EchoError('CONFIG_INVALID', 'instance metadata has no instance-id: scale-in protection needs to run on EC2');
          return id.trim();
        },
        region: config.awsRegion,
        endpoint: config.autoscalingEndpoint,
        log,
      })
    : null;
  let supervisor: Supervisor | null = null;
  let noticed = false;

  function onNotice(notice: SpotNotice): void {
    if (!supervisor) return;
    noticed = true;
    const ending = notice.kind === 'interruption' ? supervisor.interrupt(`spot interruption (${notice.action} at ${notice.time})`) : supervisor.stop();
    ending
      .then(() => protection?.setBusy(false))
      .then(() => log.warn({ notice: notice.kind }, 'workers stopped for the spot notice; this instance takes no more jobs'))
      .catch((err) => log.error({ err: toEchoError(err).toJSON() }, 'stopping workers for the spot notice failed'));
  }

  const watcher = config.spot ? startSpotWatcher(imds, { pollMs: config.spotPollMs, log, onNotice }) : null;
  return {
    /** For the supervisor's onBusyChange. */
    onBusyChange(busy: number): void {
      if (!noticed || busy === 0) void protection?.setBusy(busy > 0);
    },
    attach(s: Supervisor): void {
      supervisor = s;
    },
    async stop(): Promise<void> {
      watcher?.stop();
      if (protection) {
        await protection.setBusy(false);
        protection.close();
      }
    },
  };
}
