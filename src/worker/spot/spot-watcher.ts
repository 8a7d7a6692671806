import type { Logger } from 'pino';
import { toEchoError } from '../../errors/catalogue.ts';
import type { Imds } from './imds.ts';

export type SpotNotice =
  /** `spot/instance-action`: the instance is stopped, hibernated or terminated in about two minutes. */
  | { kind: 'interruption'; action: string; time: string }
  /** `events/recommendations/rebalance`: the instance is at elevated risk; Capacity Rebalancing replaces it. */
  | { kind: 'rebalance'; noticeTime: string };

export const INSTANCE_ACTION = '/latest/meta-data/spot/instance-action';
export const REBALANCE = '/latest/meta-data/events/recommendations/rebalance';

/**
 * Polls instance metadata every `pollMs` for the Spot interruption notice and the rebalance
 * recommendation. Each kind is reported once (an interruption also after a rebalance). Metadata errors are
 * logged and polling goes on.
 */
export function startSpotWatcher(imds: Imds, options: { pollMs: number; log: Logger; onNotice: (notice: SpotNotice) => void }) {
  const seen = new Set<SpotNotice['kind']>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function poll(): Promise<void> {
    try {
      if (!seen.has('interruption')) {
        const action = await imds.get(INSTANCE_ACTION);
        if (action !== null) {
          const parsed = JSON.parse(action) as { action?: string; time?: string };
          report({ kind: 'interruption', action: parsed.action ?? 'terminate', time: parsed.time ?? '' });
        }
      }
      if (!seen.has('rebalance') && !seen.has('interruption')) {
        const rebalance = await imds.get(REBALANCE);
        if (rebalance !== null) report({ kind: 'rebalance', noticeTime: (JSON.parse(rebalance) as { noticeTime?: string }).noticeTime ?? '' });
      }
    } catch (err) {
      options.log.warn({ err: toEchoError(err).toJSON() }, 'spot watcher: instance metadata poll failed');
    }
    if (!stopped) timer = setTimeout(() => void poll(), options.pollMs);
  }

  function report(notice: SpotNotice): void {
    seen.add(notice.kind);
    options.log.warn({ notice }, notice.kind === 'interruption' ? 'spot interruption notice' : 'spot rebalance recommendation');
    options.onNotice(notice);
  }

  void poll();
  return {
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
